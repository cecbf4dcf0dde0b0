/* Shared by every program of the probe: the maps, the settings user space writes, and the
 * parameter writers that lay an event out as libscap reads it:
 *   struct ppm_evt_hdr (packed: ts u64, tid u64, len u32, type u16, nparams u32)
 *   nparams x u16 parameter lengths
 *   the parameters, back to back, each encoded as its PT_* type says in the event table.
 * An event is built in a per-CPU scratch buffer and copied into the BPF ring buffer whole. */
#pragma once

#include <linux/types.h>
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s8 int8_t;
typedef __s16 int16_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
typedef _Bool bool;
#define true 1
#define false 0

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "kernel_types.h"
#include "ppm_events_public.h"

#define HDR_LEN      26 /* sizeof(struct ppm_evt_hdr), packed */
/* An event is at most MAX_EVT_LEN bytes. The scratch is twice that: a write of at most
 * MAX_EVT_LEN bytes at an index masked with OFF_MASK stays inside it, which is what the verifier
 * checks. s->off is the true offset, never masked: an event that grows past MAX_EVT_LEN may have
 * written over its own beginning (the index wraps), and submit() drops and counts it. */
#define MAX_EVT_LEN  PROBE_EVENT_MAX
#define EVT_BUF      (2 * MAX_EVT_LEN)
#define OFF_MASK     (MAX_EVT_LEN - 1)
/* Room an I/O buffer's copy leaves after it for the parameters that follow (a tuple with a unix
 * path, 125 bytes at most) and the CPU submit() appends. */
#define DATA_RESERVE 256
#define STR_MAX      4096 /* a path or a string argument */
#define ARGS_MAX     4096 /* argv or environment of a process */
#define EVT_TABLE    PROBE_EVT_TABLE
/* iovec entries looked at for readv/writev/sendmsg/recvmsg, one at a time in a bpf_loop (verified once, whatever the
 * count). A writev of many small buffers is common (Netty writes each HTTP/2 frame's header and payload as buffers of
 * their own: a gRPC client's flush of 40 calls is about 170 of them), and the data of those beyond the last entry
 * looked at would be lost however large the snaplen. */
#define IOV_MAX_READ 1024
#define IOV_MAX_MMSG 2 /* and for each message of sendmmsg/recvmmsg (one program walks every message) */

/* Slots of the per-CPU scratch: syscall programs and the scheduler/process programs never share one. */
#define SLOT_SYSCALL 0
#define SLOT_SCHED   1

#include "probe_shared.h"

struct scratch {
    u8 buf[EVT_BUF];
    u8 tmp[512]; /* a sockaddr copied from user memory, iovecs */
    u32 off;     /* where the next parameter's data goes */
    u32 idx;     /* the next parameter's index */
    u32 nparams;
    u32 cur; /* a cursor kept in map memory: the verifier sees any value, so loops that
                advance it do not multiply its states */
    u64 id;  /* syscall number of the event being built */
    u64 depth;
    const char* names[8];
};

/* Settings, written by user space through the mmapped .bss; read on every event. */
struct sc_entry sc_table[SYSCALL_TABLE_SIZE];
u8 evt_on[EVT_TABLE];
u8 gen_on[SYSCALL_TABLE_SIZE];
u8 evt_nparams[EVT_TABLE]; /* parameters of each event type, from libscap's event table */
u32 own_tgid;
u32 snaplen;        /* bytes of an I/O call's data copied: libsinsp's snaplen, set by user space */
u32 socket_snaplen; /* bytes of a socket I/O call's data copied where more than snaplen (a converter reads
                       payloads), set by user space; files and pipes keep snaplen */
u64 boot_to_epoch_ns;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Two scratch buffers per CPU (entry 2 * cpu + slot): a per-CPU array cannot hold values this
 * large. User space sizes it to the possible CPUs before loading. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, u32);
    __type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, STAT_MAX);
    __type(key, u32);
    __type(value, u64);
} stats SEC(".maps");

/* Event type -> the program that fills it; user space puts in every filler the object has. */
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, PPM_EVENT_MAX);
    __type(key, u32);
    __type(value, u32);
} fillers SEC(".maps");

#define NTOHS(x) __builtin_bswap16(x)

static __always_inline void count(u32 what) {
    u64* v = bpf_map_lookup_elem(&stats, &what);
    if (v) *v += 1;
}

static __always_inline struct scratch* get_scratch(u32 slot) {
    u32 key = bpf_get_smp_processor_id() * 2 + slot;
    return bpf_map_lookup_elem(&scratch_map, &key);
}

static __always_inline struct task_struct* current_task(void) { return (struct task_struct*)bpf_get_current_task(); }

/* Starts an event of the given type for the current thread, with as many parameters as
 * libscap's event table gives the type (evt_nparams); submit() drops an event whose filler
 * pushed another number. */
static __always_inline void begin(struct scratch* s, u16 type) {
    u32 nparams = evt_nparams[type & (EVT_TABLE - 1)] & 31;
    u64 ts = bpf_ktime_get_ns() + boot_to_epoch_ns;
    u64 tid = (u32)bpf_get_current_pid_tgid();
    __builtin_memcpy(&s->buf[0], &ts, 8);
    __builtin_memcpy(&s->buf[8], &tid, 8);
    __builtin_memcpy(&s->buf[20], &type, 2);
    __builtin_memcpy(&s->buf[22], &nparams, 4);
    s->nparams = nparams;
    s->idx = 0;
    s->off = HDR_LEN + 2 * nparams;
}

/* Records the length of the parameter whose data was just written at s->off. */
static __always_inline void done(struct scratch* s, u32 len) {
    u16 l = len;
    u32 at = HDR_LEN + 2 * (s->idx & 31);
    __builtin_memcpy(&s->buf[at & OFF_MASK], &l, 2);
    s->idx += 1;
    s->off += len;
}

static __always_inline void push_u8(struct scratch* s, u8 v) {
    s->buf[s->off & OFF_MASK] = v;
    done(s, 1);
}

static __always_inline void push_u16(struct scratch* s, u16 v) {
    __builtin_memcpy(&s->buf[s->off & OFF_MASK], &v, 2);
    done(s, 2);
}

static __always_inline void push_u32(struct scratch* s, u32 v) {
    __builtin_memcpy(&s->buf[s->off & OFF_MASK], &v, 4);
    done(s, 4);
}

static __always_inline void push_u64(struct scratch* s, u64 v) {
    __builtin_memcpy(&s->buf[s->off & OFF_MASK], &v, 8);
    done(s, 8);
}

static __always_inline void push_empty(struct scratch* s) { done(s, 0); }

/* A NUL-terminated string from user memory. A null pointer gives "". A string the programs
 * cannot read gives an empty parameter (length 0): a page not yet faulted in cannot be read from
 * here, and libsinsp then takes the name from the exit event, where the kernel has read it. */
static __always_inline void push_str_user(struct scratch* s, const void* p) {
    long n = 1;
    if (p)
        n = bpf_probe_read_user_str(&s->buf[s->off & OFF_MASK], STR_MAX, p);
    else
        s->buf[s->off & OFF_MASK] = 0;
    if (n <= 0) n = 0;
    done(s, n);
}

static __always_inline void push_str_kernel(struct scratch* s, const void* p, u32 max) {
    long n = -1;
    if (p) n = bpf_probe_read_kernel_str(&s->buf[s->off & OFF_MASK], max & 0xfff, p);
    if (n <= 0) {
        s->buf[s->off & OFF_MASK] = 0;
        n = 1;
    }
    done(s, n);
}

/* Writes at most len bytes of user memory at the offset at without closing the parameter, as
 * many as fit before the end of the event with DATA_RESERVE bytes left; 0 when unreadable. */
static __always_inline u32 copy_user(struct scratch* s, u32 at, const void* p, u32 len) {
    u32 room = at + DATA_RESERVE < MAX_EVT_LEN ? MAX_EVT_LEN - DATA_RESERVE - at : 0;
    if (len > room) len = room;
    /* a bound the verifier sees; len < MAX_EVT_LEN already, the mask changes nothing */
    asm volatile("" : "+r"(len));
    len &= (MAX_EVT_LEN - 1);
    if (!p || !len) return 0;
    if (bpf_probe_read_user(&s->buf[at & OFF_MASK], len, p)) return 0;
    return len;
}

/* An I/O buffer: at most cap bytes of it (data_snaplen of its fd). */
static __always_inline void push_data_user(struct scratch* s, const void* p, s64 len, u32 cap) {
    u32 n = 0;
    if (len > 0) {
        n = len > cap ? cap : (u32)len;
        n = copy_user(s, s->off, p, n);
    }
    done(s, n);
}

enum iov_copy {
    SIZE_ONLY = 0, /* only the sum of the lengths (enter events) */
    COPY_DATA = 1, /* and the data, as a parameter (exit events) */
};

/* What push_iov_data's loop carries from one iovec to the next. */
struct iov_walk {
    struct scratch* s;
    const struct iovec_u* iov;
    u64 count;
    u64 total;
    u32 cap;
    u32 written;
    bool push;
};

static long iov_step(u64 i, void* data) {
    struct iov_walk* w = data;
    struct iovec_u v;
    if (i >= w->count || bpf_probe_read_user(&v, sizeof(v), &w->iov[i])) return 1;
    w->total += v.len;
    if (w->push && w->written < w->cap) {
        u32 take = w->cap - w->written;
        if (v.len < take) take = v.len;
        w->written += copy_user(w->s, w->s->off + w->written, (const void*)v.base, take);
    }
    return 0;
}

/* The data of an iovec array, at most cap bytes (the call's result and data_snaplen of its fd), of its first
 * max_iov entries (at most IOV_MAX_READ); returns the sum of their iov_len. */
static __always_inline u64 push_iov_data(struct scratch* s, const void* iovp, u64 iovcnt, u32 cap, enum iov_copy what,
                                         const u32 max_iov) {
    struct iov_walk w = {.s = s,
                         .iov = iovp,
                         .count = iovp ? iovcnt : 0,
                         .total = 0,
                         .cap = cap,
                         .written = 0,
                         .push = what == COPY_DATA};
    if (w.count > IOV_MAX_READ) w.count = IOV_MAX_READ;
    if (w.count > max_iov) w.count = max_iov;
    if (w.count) bpf_loop(w.count, iov_step, &w, 0);
    if (w.push) done(s, w.written);
    return w.total;
}

static __always_inline struct file* fd_to_file(s64 fd) {
    struct task_struct* t = current_task();
    struct fdtable* fdt = BPF_CORE_READ(t, files, fdt);
    if (!fdt || fd < 0) return 0;
    unsigned int max = BPF_CORE_READ(fdt, max_fds);
    if ((u64)fd >= max) return 0;
    struct file** arr = BPF_CORE_READ(fdt, fd);
    struct file* f = 0;
    bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
    return f;
}

static __always_inline bool file_is_socket(struct file* f) {
    unsigned short mode = BPF_CORE_READ(f, f_inode, i_mode);
    return (mode & S_IFMT_K) == S_IFSOCK_K;
}

static __always_inline struct sock* fd_to_sock(s64 fd) {
    struct file* f = fd_to_file(fd);
    if (!f || !file_is_socket(f)) return 0;
    struct socket* sock = BPF_CORE_READ(f, private_data);
    if (!sock) return 0;
    return BPF_CORE_READ(sock, sk);
}

/* How many bytes of an I/O call's data on fd are copied: socket_snaplen where it is larger than snaplen and fd is
 * a socket (the fd is looked up only then), snaplen otherwise. Every filler that copies data asks it. */
static __always_inline u32 data_snaplen(s64 fd) {
    u32 cap = snaplen;
    u32 sock = socket_snaplen;
    if (sock > cap) {
        struct file* f = fd_to_file(fd);
        if (f && file_is_socket(f)) cap = sock;
    }
    return cap;
}

/* dev_t of the file system an fd lives on, encoded as the kernel's new_encode_dev() does. */
static __always_inline u32 fd_dev(s64 fd) {
    struct file* f = fd_to_file(fd);
    if (!f) return 0;
    u32 dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
    u32 major = dev >> 20, minor = dev & 0xfffff;
    return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline u64 fd_ino(s64 fd) {
    struct file* f = fd_to_file(fd);
    if (!f) return 0;
    return BPF_CORE_READ(f, f_inode, i_ino);
}

/* The path of a unix socket address as libsinsp reads it: abstract names start with '@'. */
static __always_inline u32 write_unix_path(struct scratch* s, u32 at, const char* path, bool user) {
    char first = 0;
    long n;
    if (!path) {
        s->buf[at & OFF_MASK] = 0;
        return 1;
    }
    if (user)
        bpf_probe_read_user(&first, 1, path);
    else
        bpf_probe_read_kernel(&first, 1, path);
    if (first == 0) {
        s->buf[at & OFF_MASK] = '@';
        at += 1;
        path += 1;
    }
    if (user)
        n = bpf_probe_read_user_str(&s->buf[at & OFF_MASK], 107, path);
    else
        n = bpf_probe_read_kernel_str(&s->buf[at & OFF_MASK], 107, path);
    if (n <= 0) {
        s->buf[at & OFF_MASK] = 0;
        n = 1;
    }
    return n + (first == 0 ? 1 : 0);
}

static __always_inline const char* unix_sock_path(struct sock* sk) {
    struct unix_address* a = BPF_CORE_READ((struct unix_sock*)sk, addr);
    if (!a) return 0;
    return (const char*)&a->name[0].sun_path[0];
}

/* PT_SOCKADDR from a sockaddr in user memory: family byte, then address and host-order port,
 * or the unix path. An unknown family gives an empty parameter. */
static __always_inline void push_sockaddr_user(struct scratch* s, const void* uaddr, s64 ulen) {
    u32 at = s->off;
    u16 family = 0;
    if (!uaddr || ulen <= 0 || bpf_probe_read_user(&family, 2, uaddr)) {
        done(s, 0);
        return;
    }
    if (family == AF_INET_K && ulen >= 8) {
        u16 port;
        u32 ip;
        bpf_probe_read_user(&port, 2, uaddr + 2);
        bpf_probe_read_user(&ip, 4, uaddr + 4);
        port = NTOHS(port);
        s->buf[at & OFF_MASK] = PPM_AF_INET;
        __builtin_memcpy(&s->buf[(at + 1) & OFF_MASK], &ip, 4);
        __builtin_memcpy(&s->buf[(at + 5) & OFF_MASK], &port, 2);
        done(s, 7);
    } else if (family == AF_INET6_K && ulen >= 24) {
        u16 port;
        bpf_probe_read_user(&port, 2, uaddr + 2);
        port = NTOHS(port);
        s->buf[at & OFF_MASK] = PPM_AF_INET6;
        bpf_probe_read_user(&s->buf[(at + 1) & OFF_MASK], 16, uaddr + 8);
        __builtin_memcpy(&s->buf[(at + 17) & OFF_MASK], &port, 2);
        done(s, 19);
    } else if (family == AF_UNIX_K) {
        s->buf[at & OFF_MASK] = PPM_AF_UNIX;
        u32 n = write_unix_path(s, at + 1, (const char*)uaddr + 2, true);
        done(s, 1 + n);
    } else {
        done(s, 0);
    }
}

/* PT_SOCKTUPLE of a socket: family, then source and destination. Outbound (connect, send) the
 * source is the local end; inbound (accept, receive) it is the remote end. The remote end comes
 * from the user's sockaddr when one is given (uaddr), otherwise from the socket. */
enum tuple_dir {
    OUTBOUND = 0, /* connect, send: the local end is the source */
    INBOUND = 1,  /* accept, receive: the remote end is the source */
};

static __always_inline void push_socktuple(struct scratch* s, struct sock* sk, const void* uaddr, s64 ulen,
                                           enum tuple_dir dir) {
    bool inbound = dir == INBOUND;
    u32 at = s->off;
    if (!sk) {
        done(s, 0);
        return;
    }
    u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    u16 ufamily = 0;
    if (uaddr && ulen > 0 && bpf_probe_read_user(&ufamily, 2, uaddr)) uaddr = 0;
    if (uaddr && ufamily != family) uaddr = 0;
    if (family == AF_INET_K) {
        struct inet_sock* inet = (struct inet_sock*)sk;
        u32 lip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        if (!lip) lip = BPF_CORE_READ(inet, inet_saddr);
        u16 lport = NTOHS(BPF_CORE_READ(inet, inet_sport));
        u32 rip;
        u16 rport;
        if (uaddr) {
            bpf_probe_read_user(&rport, 2, uaddr + 2);
            bpf_probe_read_user(&rip, 4, uaddr + 4);
        } else {
            rip = BPF_CORE_READ(sk, __sk_common.skc_daddr);
            rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
        }
        rport = NTOHS(rport);
        u32 sip = inbound ? rip : lip, dip = inbound ? lip : rip;
        u16 sport = inbound ? rport : lport, dport = inbound ? lport : rport;
        s->buf[at & OFF_MASK] = PPM_AF_INET;
        __builtin_memcpy(&s->buf[(at + 1) & OFF_MASK], &sip, 4);
        __builtin_memcpy(&s->buf[(at + 5) & OFF_MASK], &sport, 2);
        __builtin_memcpy(&s->buf[(at + 7) & OFF_MASK], &dip, 4);
        __builtin_memcpy(&s->buf[(at + 11) & OFF_MASK], &dport, 2);
        done(s, 13);
    } else if (family == AF_INET6_K) {
        struct inet_sock* inet = (struct inet_sock*)sk;
        struct in6_addr lip = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
        u64* w = (u64*)&lip;
        if (!w[0] && !w[1]) {
            struct ipv6_pinfo* np = BPF_CORE_READ(inet, pinet6);
            if (np) bpf_probe_read_kernel(&lip, 16, &np->saddr);
        }
        u16 lport = NTOHS(BPF_CORE_READ(inet, inet_sport));
        struct in6_addr rip;
        u16 rport;
        if (uaddr) {
            bpf_probe_read_user(&rport, 2, uaddr + 2);
            bpf_probe_read_user(&rip, 16, uaddr + 8);
        } else {
            rip = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
            rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
        }
        rport = NTOHS(rport);
        s->buf[at & OFF_MASK] = PPM_AF_INET6;
        if (inbound) {
            __builtin_memcpy(&s->buf[(at + 1) & OFF_MASK], &rip, 16);
            __builtin_memcpy(&s->buf[(at + 17) & OFF_MASK], &rport, 2);
            __builtin_memcpy(&s->buf[(at + 19) & OFF_MASK], &lip, 16);
            __builtin_memcpy(&s->buf[(at + 35) & OFF_MASK], &lport, 2);
        } else {
            __builtin_memcpy(&s->buf[(at + 1) & OFF_MASK], &lip, 16);
            __builtin_memcpy(&s->buf[(at + 17) & OFF_MASK], &lport, 2);
            __builtin_memcpy(&s->buf[(at + 19) & OFF_MASK], &rip, 16);
            __builtin_memcpy(&s->buf[(at + 35) & OFF_MASK], &rport, 2);
        }
        done(s, 37);
    } else if (family == AF_UNIX_K) {
        struct sock* peer = BPF_CORE_READ((struct unix_sock*)sk, peer);
        u64 us = (u64)sk, them = (u64)peer;
        s->buf[at & OFF_MASK] = PPM_AF_UNIX;
        __builtin_memcpy(&s->buf[(at + 1) & OFF_MASK], inbound ? &us : &them, 8);
        __builtin_memcpy(&s->buf[(at + 9) & OFF_MASK], inbound ? &them : &us, 8);
        u32 n;
        if (inbound)
            n = write_unix_path(s, at + 17, unix_sock_path(sk), false);
        else if (uaddr)
            n = write_unix_path(s, at + 17, (const char*)uaddr + 2, true);
        else
            n = write_unix_path(s, at + 17, peer ? unix_sock_path(peer) : 0, false);
        done(s, 17 + n);
    } else {
        done(s, 0);
    }
}

/* Copies the finished event into the BPF ring. */
/* The event goes into the ring followed by 4 bytes that udig's ring has no place for: the CPU it
 * ran on, which the producer keeps for the reader (live_source.h, cpu_of). */
static __always_inline void submit(struct scratch* s) {
    u32 len = s->off;
    /* the true length: one past the end may have wrapped over the header */
    if (len > MAX_EVT_LEN - 4 || s->idx != s->nparams) {
        count(STAT_DROP_INVALID);
        return;
    }
    __builtin_memcpy(&s->buf[16], &len, 4);
    u32 cpu = bpf_get_smp_processor_id();
    u32 at = len;
    /* keep the mask: the compiler knows len < MAX_EVT_LEN, the verifier does not */
    asm volatile("" : "+r"(at));
    __builtin_memcpy(&s->buf[at & OFF_MASK], &cpu, 4);
    len += 4;
    /* the verifier wants a bound it can see on the size; keep the compiler from dropping it */
    asm volatile("" : "+r"(len));
    len &= (EVT_BUF - 1);
    if (bpf_ringbuf_output(&events, s->buf, len, 0))
        count(STAT_DROP_RING);
    else
        count(STAT_SENT);
}

/* Syscall arguments and result, from the saved user registers (still intact at exit). */
static __always_inline unsigned long sc_arg(struct bpf_raw_tracepoint_args* ctx, int n) {
    struct pt_regs* regs = (struct pt_regs*)ctx->args[0];
    switch (n) {
    case 0: return BPF_CORE_READ(regs, di);
    case 1: return BPF_CORE_READ(regs, si);
    case 2: return BPF_CORE_READ(regs, dx);
    case 3: return BPF_CORE_READ(regs, r10);
    case 4: return BPF_CORE_READ(regs, r8);
    default: return BPF_CORE_READ(regs, r9);
    }
}

static __always_inline s64 sc_ret(struct bpf_raw_tracepoint_args* ctx) { return (s64)ctx->args[1]; }

/* A file descriptor argument, as the 64-bit PT_FD value. */
#define FD(n) ((s64)(int)sc_arg(ctx, n))

/* Every filler starts the same way: the scratch slot the dispatcher prepared. */
#define FILLER(name) SEC("raw_tp") int name(struct bpf_raw_tracepoint_args* ctx)
#define SCRATCH_OR_RETURN(s)                       \
    struct scratch* s = get_scratch(SLOT_SYSCALL); \
    if (!s) return 0;

/* The shapes many system calls share. Each parameter is pushed under a comment that gives its number in
 * the event table and its name there. */

/* 1 fd. */
static __always_inline void fd_event(struct scratch* s, u16 type, s64 fd) {
    begin(s, type);
    push_u64(s, fd); /* 1 fd */
    submit(s);
}

/* 1 fd (argument 0). */
static __always_inline int fd_only_event(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    fd_event(s, type, FD(0));
    return 0;
}

/* 1 res (or fd: the result). */
static __always_inline int result_only_event(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    push_u64(s, sc_ret(ctx)); /* 1 res */
    submit(s);
    return 0;
}

/* No parameter. */
static __always_inline int no_param_event(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    submit(s);
    return 0;
}

/* The syscall's first arguments, each as a u32 (socket, socketpair: 1 domain, 2 type, 3 proto; set*id). */
static __always_inline int u32_args_event(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    for (int i = 0; i < 3; i++)
        if (i < s->nparams) push_u32(s, (u32)sc_arg(ctx, i)); /* i + 1: argument i */
    submit(s);
    return 0;
}

/* 1 res, 2 path (argument arg; chdir, chroot). */
static __always_inline int result_path_event(struct bpf_raw_tracepoint_args* ctx, u16 type, int arg) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    push_u64(s, sc_ret(ctx));                        /* 1 res */
    push_str_user(s, (const void*)sc_arg(ctx, arg)); /* 2 path */
    submit(s);
    return 0;
}

/* 1 fd, 2 a u32 argument (the size of read, write, recvfrom; listen's backlog), and where the event has a
 * third parameter 3 pos (argument 3: pread, pwrite). */
static __always_inline int fd_u32_event(struct bpf_raw_tracepoint_args* ctx, u16 type, int arg) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    push_u64(s, FD(0));                               /* 1 fd */
    push_u32(s, (u32)sc_arg(ctx, arg));               /* 2 size or backlog */
    if (s->nparams == 3) push_u64(s, sc_arg(ctx, 3)); /* 3 pos */
    submit(s);
    return 0;
}

/* 1 res, 2 data: as much of the buffer (argument 1) as the result says and the fd's snaplen allows (read, write,
 * pread, pwrite, sendto exit). */
static __always_inline int result_data_event(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, type);
    push_u64(s, res);                                                         /* 1 res */
    push_data_user(s, (const void*)sc_arg(ctx, 1), res, data_snaplen(FD(0))); /* 2 data */
    submit(s);
    return 0;
}

/* The size of an iovec array, the sum of its lengths, as a u32 parameter (writev, pwritev, sendmsg enter). */
static __always_inline void push_iov_size(struct scratch* s, const void* iov, u64 iovcnt) {
    u64 total = push_iov_data(s, iov, iovcnt, 0, SIZE_ONLY, IOV_MAX_READ);
    push_u32(s, total);
}

enum iov_layout {
    RES_DATA = 0,      /* res, data (writev, pwritev, sendmsg exit) */
    RES_SIZE_DATA = 1, /* res, size, data (readv, preadv, recvmsg exit) */
};

/* The parameters an exit event gives an iovec array: the result, the sum of the iovecs' lengths where the
 * layout has it, and as much of their data as the result says and cap (data_snaplen of the fd) allows (of the
 * first max_iov iovecs). */
static __always_inline void push_iov_result(struct scratch* s, s64 res, const void* iov, u64 iovcnt,
                                            enum iov_layout layout, const u32 max_iov, u32 cap) {
    push_u64(s, res); /* 1 res */
    u32 size_at = s->off;
    if (layout == RES_SIZE_DATA) push_u32(s, 0); /* 2 size, written below */
    /* 2 or 3 data */
    if (res <= 0)
        cap = 0;
    else if ((u64)res < cap)
        cap = res;
    u64 total = push_iov_data(s, iov, iovcnt, cap, COPY_DATA, max_iov);
    if (layout == RES_SIZE_DATA) {
        u32 t = total;
        __builtin_memcpy(&s->buf[size_at & OFF_MASK], &t, 4);
    }
}
