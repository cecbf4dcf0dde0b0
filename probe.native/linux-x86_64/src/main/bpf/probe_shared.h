/* What the eBPF programs and the loader in user space both know: the per-syscall routing entry
 * and the indices of the per-CPU counters. Included by C (BPF) and C++ (loader). */
#pragma once

/* What user space tells the programs about each syscall number: the event types the 2022 table
 * uses for it (PPME_GENERIC_E/X where the probe has no filler of its own) and its PPM_SC code. */
struct sc_entry {
    __u16 enter;
    __u16 exit;
    __u16 code;
    __u16 flags;
};

enum probe_stat {
    STAT_SENT = 0,         /* events written into the BPF ring */
    STAT_DROP_RING = 1,    /* BPF ring full */
    STAT_DROP_INVALID = 2, /* an event that could not be built */
    STAT_FILTERED_OWN = 3, /* events of the probe's own process */
    STAT_FILTERED_SC = 4,  /* syscalls and events switched off */
    STAT_KE_SENT = 5,      /* kernel TCP events written into their ring */
    STAT_KE_DROP_RING = 6, /* kernel TCP events lost: their ring was full */
    STAT_MAX = 7,
};

/* Kernel TCP events: not in the 2022 event table, they go through a ring of their own as fixed
 * records, never through libsinsp. Kinds are bit numbers of the enable mask. The one list of them:
 * X(number, enum name, C++ name, Kindling's name, what it reports). */
#define KERNEL_EVENT_KINDS(X)                                                                       \
    X(1, KE_TCP_CLOSE, tcp_close, "kprobe-tcp_close", "tuple, srtt, retransmits of the connection") \
    X(2, KE_TCP_RCV_ESTABLISHED, tcp_rcv_established, "kprobe-tcp_rcv_established", "srtt")         \
    X(3, KE_TCP_DROP, tcp_drop, "kprobe-tcp_drop", "the kernel dropped a received segment")         \
    X(4, KE_TCP_RETRANSMIT_SKB, tcp_retransmit_skb, "kprobe-tcp_retransmit_skb", "segments")        \
    X(5, KE_TCP_CONNECT, tcp_connect, "kretprobe-tcp_connect", "retval")                            \
    X(6, KE_TCP_SEND_RESET, tcp_send_reset, "tracepoint-tcp_send_reset", "tuple")                   \
    X(7, KE_TCP_RECEIVE_RESET, tcp_receive_reset, "tracepoint-tcp_receive_reset", "tuple")          \
    X(8, KE_INET_SOCK_SET_STATE, inet_sock_set_state, "tracepoint-inet_sock_set_state", "old_state, new_state")

enum kernel_event_kind {
#define KE_ENUM_ENTRY(n, id, cname, name, what) id = n,
    KERNEL_EVENT_KINDS(KE_ENUM_ENTRY)
#undef KE_ENUM_ENTRY
        KE_MAX = 9,
};

struct kernel_event_rec {
    __u64 ts;  /* epoch nanoseconds */
    __u32 tid; /* 0 where the kernel context may not be a task of the connection */
    __u32 pid;
    __u16 kind;
    __u16 family; /* AF_INET or AF_INET6 */
    __u16 sport;  /* host order; source = local end of the socket */
    __u16 dport;
    __u8 sip[16]; /* IPv4 in the first 4 bytes */
    __u8 dip[16];
    __u32 srtt_us;       /* smoothed round-trip time, microseconds */
    __u32 total_retrans; /* segments retransmitted over the connection's life */
    __s32 retval;
    __u32 old_state; /* TCP_* states, as the kernel numbers them */
    __u32 new_state;
    __u32 segs;
    __u32 reason;  /* drop or reset reason, where the kernel gives one */
    char comm[16]; /* the current task's name, empty when tid is 0 */
};

/* The largest event the programs write, and so the largest snaplen the probe takes: a consumer
 * that asks for more gets this much, less what the event's other parameters need. */
#define PROBE_EVENT_MAX   (64 * 1024)
#define PROBE_SNAPLEN_MAX (PROBE_EVENT_MAX - 1024)

#define PROBE_SYSCALL_TABLE 512 /* = SYSCALL_TABLE_SIZE of the 2022 headers */
#define PROBE_EVT_TABLE     512 /* >= PPM_EVENT_MAX, a power of two */
