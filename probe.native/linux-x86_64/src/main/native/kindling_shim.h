/*
 * Kindling Probe for OSGi - native shim between libsinsp and Java (JNA).
 *
 * Every function is extern "C" and never lets a C++ exception escape: errors are
 * reported through return values, the caller's error buffer or kp_last_error().
 * Handles are opaque positive 64-bit ids; 0 (or an id that was closed) is rejected.
 */
#ifndef KINDLING_SHIM_H
#define KINDLING_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KP_EXPORT __attribute__((visibility("default")))

/* The record schema: what a batch holds, little-endian, as Java reads it (RecordView, BatchView).
 * kp_record_layout() tells each field's offset and size, and a test compares them with Java's.
 *
 * A batch: the header, then records from offset KP_BATCH_HEADER_SIZE, each 8-byte aligned. A record:
 * the fixed part (struct kp_record); the namespace ids (struct kp_ns_block) when flags has
 * KP_FLAG_NS_IDS; the socket block (struct kp_socket_block) when flags has KP_FLAG_SOCKET; the bytes of
 * comm, container id and fd name (comm_len, container_len, fdname_len of them; a reader stops at a NUL,
 * as C would); the event's scap record (u64 ts | u64 tid | u32 len | u16 type | u32 nparams | nparams
 * lengths, u16 each, u32 with KP_FLAG_LARGE_PAYLOAD | the values); zero padding to a multiple of 8. */
struct kp_batch_header {
    uint32_t event_count;
    uint32_t bytes_used; /* the header included */
    int32_t status;      /* KP_STATUS_* */
    uint8_t reserved[52];
};

struct kp_record {
    uint32_t rec_len; /* to the next record, padding included */
    uint16_t flags;   /* KP_FLAG_* */
    uint8_t kcat;     /* Kindling's category (classify.h) */
    uint8_t source;   /* Kindling's source: syscall enter/exit, kprobe, tracepoint... (classify.h) */
    int64_t pid;
    int64_t tid;
    uint64_t latency; /* of a syscall exit: since its enter, nanoseconds */
    uint32_t uid;
    uint32_t gid;
    int64_t fd_num;
    uint16_t cpu;           /* 0xFFFF: not known */
    uint16_t generic_sc;    /* the PPM_SC code of a generic event, 0xFFFF for others */
    uint16_t comm_len;      /* bytes of comm after the blocks */
    uint16_t container_len; /* bytes of the container id after comm */
    uint16_t fdname_len;    /* bytes of the fd name after the container id */
    uint8_t fd_type;        /* scap_fd_type */
    uint8_t l4proto;        /* Kindling's (classify.h), for an inet socket */
    uint8_t role_server;    /* 1: the socket is the server's end */
    uint8_t reserved[3];
};

/* A thread in a pid namespace of its own: its ids there. */
struct kp_ns_block {
    int64_t vpid;
    int64_t vtid;
};

/* The socket of the event's fd: host-order ports, then the addresses (IPv4 in their first 4 bytes);
 * a unix socket's source and destination (u64) in sip and dip. */
struct kp_socket_block {
    uint16_t sport;
    uint16_t dport;
    uint32_t reserved;
    uint8_t sip[16];
    uint8_t dip[16];
};

#define KP_BATCH_HEADER_SIZE 64
#define KP_RECORD_FIXED_SIZE 64
#define KP_SOCKET_BLOCK_SIZE 40
#define KP_NS_BLOCK_SIZE     16
#define KP_MAX_PARAMS        16
#define KP_MAX_PARAM_LEN     65535u
#define KP_CATEGORY_CELLS    16
/* Rows a filter table may have (event types, syscalls): more is refused. */
#define KP_MAX_TABLE_ROWS    4096

/* Batch status (kp_batch_header.status). */
#define KP_STATUS_MORE    0
#define KP_STATUS_EOF     1
#define KP_STATUS_TIMEOUT 2

/* Record flags (kp_record.flags). */
#define KP_FLAG_FD_INFO         0x1
#define KP_FLAG_PARAM_TRUNCATED 0x2
/* The event has no thread information and passed only through the threadless filter
 * (kp_set_threadless_filter): pid and tid are the event's tid, uid, gid, comm and
 * container are empty. Such events are meant for converters, never for sinks. */
#define KP_FLAG_NO_THREAD       0x4
/* The scap record's parameter lengths are u32 (libsinsp's EF_LARGE_PAYLOAD events). */
#define KP_FLAG_LARGE_PAYLOAD   0x8
/* A socket block (ports, addresses or unix endpoints) follows the fixed part. */
#define KP_FLAG_SOCKET          0x10
/* With KP_FLAG_NO_THREAD: a kernel TCP event (kernel_events.h) that ran in a kernel context that is no
 * task libsinsp knows (softirq: tid 0). It passed the main filter table and is meant for sinks too. */
#define KP_FLAG_KERNEL_CONTEXT  0x20
/* The thread runs in a pid namespace of its own (a container): a 16-byte block follows the fixed part
 * (before the socket block): i64 vpid | i64 vtid, the process and thread ids inside that namespace. */
#define KP_FLAG_NS_IDS          0x40

/* Counter slots filled by kp_counters. */
enum kp_counter {
    KP_CNT_READ = 0,
    KP_CNT_DROP_OWN_PID = 1,
    KP_CNT_DROP_INTERNAL = 2,
    KP_CNT_DROP_NO_THREAD = 3,
    KP_CNT_DROP_IO_RES = 4,
    KP_CNT_DROP_UNSUBSCRIBED = 5,
    KP_CNT_COPIED = 6,
    KP_CNT_TIMEOUTS = 7,
    /* Of KP_CNT_COPIED, the events without thread information that the threadless filter
     * let through (so read == drops + copied still holds). */
    KP_CNT_COPIED_NO_THREAD = 8,
    /* Of KP_CNT_COPIED, the events that did not fit an empty batch and were copied with
     * their longest parameters cut (KP_FLAG_PARAM_TRUNCATED). */
    KP_CNT_PARAMS_CUT = 9,
    /* Of KP_CNT_READ, the kernel TCP events taken from the live source (kernel_events.h). */
    KP_CNT_KERNEL_READ = 10,
    /* Of KP_CNT_COPIED, the kernel TCP events without thread information (KP_FLAG_KERNEL_CONTEXT). */
    KP_CNT_KERNEL_NO_THREAD = 11,
    KP_CNT_COUNT = 12
};

/* Why kp_open_live refused (its *refusal). */
#define KP_LIVE_OK          0
#define KP_LIVE_FAILED      1 /* libsinsp or the eBPF programs failed to start */
#define KP_LIVE_REQUIREMENT 2 /* the host cannot run the eBPF source: err says what is missing */
#define KP_LIVE_BUSY        3 /* another live capture runs on this machine */

/* Slots filled by kp_capture_stats: the capture source, libsinsp's capture statistics (scap_stats),
 * then the eBPF source's counters (live/live_source.h). All zero for a capture file. */
enum kp_capture_stat {
    KP_STAT_SOURCE = 0, /* 0 capture file, KP_SOURCE_EBPF, KP_SOURCE_KERNEL_MODULE */
    KP_STAT_EVENTS = 1,
    KP_STAT_DROPS = 2,
    KP_STAT_DROPS_BUFFER = 3,
    KP_STAT_DROPS_PAGE_FAULT = 4,
    KP_STAT_DROPS_BUG = 5,
    KP_STAT_PREEMPTIONS = 6,
    KP_STAT_SUPPRESSED = 7,
    KP_STAT_SOURCE_EVENTS = 8,
    KP_STAT_DROPS_BPF_RING = 9,
    KP_STAT_DROPS_UDIG_RING = 10,
    KP_STAT_DROPS_INVALID = 11,
    KP_STAT_FILTERED_OWN = 12,
    KP_STAT_FILTERED_SYSCALL = 13,
    /* the kernel TCP events: handed to the session, lost in the kernel (their BPF ring full), lost in
     * the producer (its queue full: the session did not take them in time) */
    KP_STAT_KERNEL_EVENTS = 14,
    KP_STAT_KERNEL_DROPS_BPF_RING = 15,
    KP_STAT_KERNEL_DROPS_QUEUE = 16,
    /* times the eBPF source found the udig ring's shared head, tail or consumer snaplen out of range: another
     * process wrote them (the events it could not write then are in KP_STAT_DROPS_UDIG_RING) */
    KP_STAT_UDIG_RING_TAMPERED = 17,
    /* threads in libsinsp's thread table after the last batch (live and recently ended processes' threads) */
    KP_STAT_THREADS = 18,
    KP_STAT_COUNT = 19
};
#define KP_SOURCE_EBPF          1
#define KP_SOURCE_KERNEL_MODULE 2

/* The record schema as text, one line a field: block, field, offset in its block, size in bytes, tab-separated
 * (for example "record\tpid\t8\t8"); blocks: header, record, ns, socket. Returns the length written,
 * -1 when cap is too small. */
KP_EXPORT int32_t kp_record_layout(char* out, int32_t cap);
KP_EXPORT int64_t kp_open_file(const char* path, char* err, int32_t errcap);
/* Opens a live capture: the probe's eBPF source through libsinsp's udig ring (the kernel module where
 * only that can run). write_path (null: none) receives every event read, as a capture file; snaplen
 * and bpf_ring_bytes (0: defaults) set the source. 0 on failure, with *refusal (KP_LIVE_*) and err. */
KP_EXPORT int64_t kp_open_live(const char* write_path, int32_t snaplen, int32_t bpf_ring_bytes, int32_t* refusal,
                               char* err, int32_t errcap);
/* Fills out[0..KP_STAT_COUNT) (n must be at least KP_STAT_COUNT); returns KP_STAT_COUNT, -1 on error. */
KP_EXPORT int32_t kp_capture_stats(int64_t h, int64_t* out, int32_t n);
KP_EXPORT int32_t kp_set_filter(int64_t h, const uint8_t* types, int32_t ntypes, const uint8_t* generic, int32_t nsc);
/* Events without thread information whose cell [type * 16 + kcat] is set here pass (with
 * KP_FLAG_NO_THREAD) instead of being dropped; staged like kp_set_filter. ntypes 0 clears. */
KP_EXPORT int32_t kp_set_threadless_filter(int64_t h, const uint8_t* types, int32_t ntypes);
/* Fills buf with the next events (at most maxEvents, as many as fit in cap bytes); a batch that
 * holds events also ends once 32,768 events were read for it. Returns the number of events
 * written, -1 on error (kp_last_error). */
KP_EXPORT int32_t kp_next_batch(int64_t h, void* buf, int32_t cap, int32_t maxEvents);
KP_EXPORT int32_t kp_last_error(int64_t h, char* out, int32_t cap);
/* Fills out[0..n) with the counters (KP_CNT_*; cells past KP_CNT_COUNT get 0). Returns KP_CNT_COUNT,
 * -1 on error (kp_last_error). */
KP_EXPORT int32_t kp_counters(int64_t h, int64_t* out, int32_t n);
KP_EXPORT void kp_close(int64_t h);
KP_EXPORT int32_t kp_event_table(char* out, int32_t cap);
KP_EXPORT int32_t kp_set_own_pid(int64_t h, int64_t pid);
/* A live capture keeps the first snaplen bytes of each I/O call's data from the next events on (libsinsp's
 * set_snaplen, which the eBPF source follows). Returns 0, or -1 (a capture file, or libsinsp refused: see
 * kp_last_error). */
KP_EXPORT int32_t kp_set_snaplen(int64_t h, int32_t snaplen);
/* A live capture by the eBPF source keeps the first bytes of each socket I/O call's data from the next events on,
 * where that is more than its snaplen (files, pipes and the rest keep the snaplen; 0: sockets too). Returns 0, or
 * -1 (a capture file, or the kernel module, whose snaplen is one for every call: see kp_last_error). */
KP_EXPORT int32_t kp_set_socket_snaplen(int64_t h, int32_t bytes);
/* Reads the rest of the capture applying the drop rules and the filter, copying nothing
 * (the baseline of the benchmark). Returns the number of surviving events, -1 on error. */
KP_EXPORT int64_t kp_count_rest(int64_t h);
/* Adds a process name (comm) whose events are no longer delivered, from now on: the events of every
 * thread whose command is that name (the process that runs the program, its threads and its children
 * that have not executed another program); a child that executes a program of another name is no
 * longer covered. At most 32 names. Returns 0, or -1 with the reason in kp_last_error(h). */
KP_EXPORT int32_t kp_suppress_comm(int64_t h, const char* comm);
/* The short (12-character) container id that a cgroup path names, as the probe works it out where
 * libsinsp names none; empty for none. Returns its length, -1 when out is too small. */
KP_EXPORT int32_t kp_container_id_of_cgroup(const char* path, char* out, int32_t cap);

#ifdef __cplusplus
}
#endif

#endif /* KINDLING_SHIM_H */
