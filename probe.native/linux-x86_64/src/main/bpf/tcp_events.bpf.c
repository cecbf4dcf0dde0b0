/* Kernel TCP events, the Kindling driver's own: each program writes one fixed record (struct
 * kernel_event_rec) into the kernel_events ring. User space attaches a program only while its
 * event is subscribed, so an unsubscribed event costs nothing.
 *
 * Where the kernel allows fentry/fexit (BTF trampolines; not under lockdown, which forbids them),
 * tcp_close, tcp_rcv_established, tcp_drop_reason and tcp_connect are traced at the functions the
 * Kindling driver probed. Everywhere, raw tracepoints give the same events: tcp:tcp_destroy_sock
 * (the socket of a closed connection is freed), tcp:tcp_probe (inside tcp_rcv_established),
 * skb:kfree_skb of a TCP segment (a drop, with the kernel's reason), sock:inet_sock_set_state
 * out of SYN_SENT (the connect whose SYN went out). tcp:tcp_retransmit_skb, tcp:tcp_send_reset,
 * tcp:tcp_receive_reset and sock:inet_sock_set_state are tracepoints in both cases. */
#include "fill.h"

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} kernel_events SEC(".maps");

#define IPPROTO_TCP_K 6

static __always_inline void ke_tuple(struct kernel_event_rec* r, const struct sock* sk) {
    u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    r->family = family;
    /* inet_sport outlives skc_num, which the kernel clears when the socket reaches CLOSE */
    u16 sport = NTOHS(BPF_CORE_READ((const struct inet_sock*)sk, inet_sport));
    r->sport = sport ? sport : BPF_CORE_READ(sk, __sk_common.skc_num);
    r->dport = NTOHS(BPF_CORE_READ(sk, __sk_common.skc_dport));
    if (family == AF_INET6_K) {
        BPF_CORE_READ_INTO(&r->sip, sk, __sk_common.skc_v6_rcv_saddr);
        BPF_CORE_READ_INTO(&r->dip, sk, __sk_common.skc_v6_daddr);
    } else {
        u32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
        __builtin_memcpy(r->sip, &s, 4);
        __builtin_memcpy(r->dip, &d, 4);
    }
}

/* The tuple of a segment with no socket (a reset for a port nobody listens on): from its headers,
 * seen from the receiving host, so that source is the local end as for a socket. */
static __always_inline void ke_tuple_skb(struct kernel_event_rec* r, const struct sk_buff* skb) {
    unsigned char* head = BPF_CORE_READ(skb, head);
    u16 nh = BPF_CORE_READ(skb, network_header);
    u16 th = BPF_CORE_READ(skb, transport_header);
    u8 vihl = 0;
    bpf_probe_read_kernel(&vihl, 1, head + nh);
    u16 ports[2] = {};
    bpf_probe_read_kernel(ports, 4, head + th);
    r->sport = NTOHS(ports[1]); /* the segment's destination is the local end */
    r->dport = NTOHS(ports[0]);
    if ((vihl >> 4) == 6) {
        r->family = AF_INET6_K;
        bpf_probe_read_kernel(r->sip, 16, head + nh + 24);
        bpf_probe_read_kernel(r->dip, 16, head + nh + 8);
    } else {
        r->family = AF_INET_K;
        bpf_probe_read_kernel(r->sip, 4, head + nh + 16);
        bpf_probe_read_kernel(r->dip, 4, head + nh + 12);
    }
}

static __always_inline struct kernel_event_rec* ke_begin(u16 kind, bool task_context) {
    u64 pt = bpf_get_current_pid_tgid();
    if (task_context && (u32)(pt >> 32) == own_tgid) {
        count(STAT_FILTERED_OWN);
        return 0;
    }
    struct kernel_event_rec* r = bpf_ringbuf_reserve(&kernel_events, sizeof(*r), 0);
    if (!r) {
        count(STAT_KE_DROP_RING);
        return 0;
    }
    __builtin_memset(r, 0, sizeof(*r));
    r->ts = bpf_ktime_get_ns() + boot_to_epoch_ns;
    r->kind = kind;
    if (task_context) {
        r->tid = (u32)pt;
        r->pid = pt >> 32;
        bpf_get_current_comm(r->comm, sizeof(r->comm));
    }
    return r;
}

/* Hands a record to user space; nothing for a null one (not reserved, or left out). Returns 0, what every
 * program returns. */
static __always_inline int ke_submit(struct kernel_event_rec* r) {
    if (!r) return 0;
    bpf_ringbuf_submit(r, 0);
    count(STAT_KE_SENT);
    return 0;
}

enum ke_figures {
    TUPLE_ONLY = 0, /* the socket's tuple */
    WITH_RTT = 1,   /* and its smoothed RTT and retransmits so far */
};

/* The one shape of the socket events: a record of the kind with the socket's tuple (and RTT), for the caller
 * to add its own fields to and submit; null when the ring is full or the event is the probe's own. */
static __always_inline struct kernel_event_rec* ke_sock_event(u16 kind, const struct sock* sk, bool task_context,
                                                              enum ke_figures figures) {
    struct kernel_event_rec* r = ke_begin(kind, task_context);
    if (!r) return 0;
    ke_tuple(r, sk);
    if (figures == WITH_RTT) {
        const struct tcp_sock* tp = (const struct tcp_sock*)sk;
        r->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
        r->total_retrans = BPF_CORE_READ(tp, total_retrans);
    }
    return r;
}

/* The socket a tracepoint of sock:inet_sock_set_state names, null when it is not TCP's. */
static __always_inline const struct sock* tcp_sock_arg(struct bpf_raw_tracepoint_args* ctx) {
    const struct sock* sk = (const struct sock*)ctx->args[0];
    return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP_K ? sk : 0;
}

/* The close of a connection's socket, its RTT and retransmits final: tcp_close(struct sock *sk, long
 * timeout), called by the owner closing the socket; or tcp:tcp_destroy_sock(struct sock *sk), where the
 * socket of a closed connection is freed. */
SEC("fentry/tcp_close")
int ke_tcp_close(u64* ctx) {
    return ke_submit(ke_sock_event(KE_TCP_CLOSE, (const struct sock*)ctx[0], true, WITH_RTT));
}

SEC("raw_tp/tcp_destroy_sock")
int ke_tcp_close_tp(struct bpf_raw_tracepoint_args* ctx) {
    return ke_submit(ke_sock_event(KE_TCP_CLOSE, (const struct sock*)ctx->args[0], false, WITH_RTT));
}

/* A segment received on an established connection, with the socket's RTT so far: tcp_rcv_established(struct
 * sock *sk, struct sk_buff *skb), or tcp:tcp_probe(sk, skb) called there; softirq or the reader's context. */
SEC("fentry/tcp_rcv_established")
int ke_tcp_rcv_established(u64* ctx) {
    return ke_submit(ke_sock_event(KE_TCP_RCV_ESTABLISHED, (const struct sock*)ctx[0], false, WITH_RTT));
}

SEC("raw_tp/tcp_probe")
int ke_tcp_rcv_established_tp(struct bpf_raw_tracepoint_args* ctx) {
    return ke_submit(ke_sock_event(KE_TCP_RCV_ESTABLISHED, (const struct sock*)ctx->args[0], false, WITH_RTT));
}

/* tcp_drop_reason(struct sock *sk, struct sk_buff *skb, enum skb_drop_reason reason) (5.19+). */
SEC("fentry/tcp_drop_reason")
int ke_tcp_drop(u64* ctx) {
    struct kernel_event_rec* r = ke_sock_event(KE_TCP_DROP, (const struct sock*)ctx[0], false, WITH_RTT);
    if (r) r->reason = (u32)ctx[2];
    return ke_submit(r);
}

/* tcp_connect(struct sock *sk) returns int: the SYN is sent, or not. */
SEC("fexit/tcp_connect")
int ke_tcp_connect(u64* ctx) {
    struct kernel_event_rec* r = ke_sock_event(KE_TCP_CONNECT, (const struct sock*)ctx[0], true, TUPLE_ONLY);
    if (r) r->retval = (int)ctx[1];
    return ke_submit(r);
}

/* tcp_retransmit_skb(const struct sock *sk, const struct sk_buff *skb, ...) */
SEC("raw_tp/tcp_retransmit_skb")
int ke_tcp_retransmit_skb(struct bpf_raw_tracepoint_args* ctx) {
    struct kernel_event_rec* r =
        ke_sock_event(KE_TCP_RETRANSMIT_SKB, (const struct sock*)ctx->args[0], false, WITH_RTT);
    if (r) r->segs = 1;
    return ke_submit(r);
}

/* tcp_send_reset(const struct sock *sk, const struct sk_buff *skb[, reason]): sk is NULL when the reset
 * answers a segment no socket takes; the tuple then comes from that segment. */
SEC("raw_tp/tcp_send_reset")
int ke_tcp_send_reset(struct bpf_raw_tracepoint_args* ctx) {
    const struct sock* sk = (const struct sock*)ctx->args[0];
    const struct sk_buff* skb = (const struct sk_buff*)ctx->args[1];
    if (sk) return ke_submit(ke_sock_event(KE_TCP_SEND_RESET, sk, false, TUPLE_ONLY));
    struct kernel_event_rec* r = ke_begin(KE_TCP_SEND_RESET, false);
    if (r && skb) ke_tuple_skb(r, skb);
    return ke_submit(r);
}

/* tcp_receive_reset(struct sock *sk) */
SEC("raw_tp/tcp_receive_reset")
int ke_tcp_receive_reset(struct bpf_raw_tracepoint_args* ctx) {
    return ke_submit(ke_sock_event(KE_TCP_RECEIVE_RESET, (const struct sock*)ctx->args[0], false, TUPLE_ONLY));
}

/* inet_sock_set_state(const struct sock *sk, int oldstate, int newstate), TCP sockets only. */
SEC("raw_tp/inet_sock_set_state")
int ke_inet_sock_set_state(struct bpf_raw_tracepoint_args* ctx) {
    const struct sock* sk = tcp_sock_arg(ctx);
    if (!sk) return 0;
    struct kernel_event_rec* r = ke_sock_event(KE_INET_SOCK_SET_STATE, sk, false, TUPLE_ONLY);
    if (r) {
        r->old_state = (u32)ctx->args[1];
        r->new_state = (u32)ctx->args[2];
    }
    return ke_submit(r);
}

/* The tracepoint variants of tcp_drop and tcp_connect, for kernels where fentry/fexit cannot be used. */

/* A freed packet that was not consumed, i.e. dropped; only TCP segments are reported. */
static __always_inline int ke_kfree_skb(const struct sk_buff* skb, u32 reason) {
    unsigned char* head = BPF_CORE_READ(skb, head);
    u16 nh = BPF_CORE_READ(skb, network_header);
    u8 ip[10] = {};
    if (!head || bpf_probe_read_kernel(ip, sizeof(ip), head + nh)) return 0;
    u8 version = ip[0] >> 4;
    u8 proto = version == 4 ? ip[9] : version == 6 ? ip[6] : 0;
    if (proto != IPPROTO_TCP_K) return 0;
    struct kernel_event_rec* r = ke_begin(KE_TCP_DROP, false);
    if (r) {
        ke_tuple_skb(r, skb);
        r->reason = reason;
    }
    return ke_submit(r);
}

/* kfree_skb(struct sk_buff *skb, void *location, enum skb_drop_reason reason, ...) from Linux
 * 5.17 on. A raw tracepoint program that reads an argument the tracepoint does not have loads, but
 * the kernel refuses to attach it: older kernels take the next program. */
SEC("raw_tp/kfree_skb")
int ke_tcp_drop_tp(struct bpf_raw_tracepoint_args* ctx) {
    return ke_kfree_skb((const struct sk_buff*)ctx->args[0], (u32)ctx->args[2]);
}

/* kfree_skb(struct sk_buff *skb, void *location) before Linux 5.17: no reason (0). */
SEC("raw_tp/kfree_skb")
int ke_tcp_drop_tp_no_reason(struct bpf_raw_tracepoint_args* ctx) {
    return ke_kfree_skb((const struct sk_buff*)ctx->args[0], 0);
}

/* The socket leaving SYN_SENT (to ESTABLISHED, or to CLOSE when refused): tcp_connect sent its
 * SYN, retval 0. Entering SYN_SENT would be closer in time, but the source port is not chosen
 * yet then; leaving it, the tuple is complete. The context may be a softirq: no thread. */
SEC("raw_tp/inet_sock_set_state")
int ke_tcp_connect_tp(struct bpf_raw_tracepoint_args* ctx) {
    if ((int)ctx->args[1] != 2) return 0;
    const struct sock* sk = tcp_sock_arg(ctx);
    if (!sk) return 0;
    return ke_submit(ke_sock_event(KE_TCP_CONNECT, sk, false, TUPLE_ONLY));
}
