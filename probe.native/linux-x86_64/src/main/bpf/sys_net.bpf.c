/* Sockets: creation, addresses and tuples, the send and receive calls with their data. Each parameter is
 * pushed under a comment that gives its number in the event table and its name there. */
#include "fill.h"

/* The struct msghdr of sendmsg/recvmsg (their second argument); zeroed when unreadable. */
static __always_inline struct msghdr_u read_msghdr(struct bpf_raw_tracepoint_args* ctx) {
    struct msghdr_u mh = {};
    bpf_probe_read_user(&mh, sizeof(mh), (const void*)sc_arg(ctx, 1));
    return mh;
}

/* socket enter: 1 domain, 2 type, 3 proto (AF_*, SOCK_* and the protocol: the kernel's values and PPM_AF_*
 * agree); exit: 1 fd. */
FILLER(fill_socket_e) { return u32_args_event(ctx, PPME_SOCKET_SOCKET_E); }
FILLER(fill_socket_x) { return result_only_event(ctx, PPME_SOCKET_SOCKET_X); }

/* bind enter: 1 fd. */
FILLER(fill_bind_e) { return fd_only_event(ctx, PPME_SOCKET_BIND_E); }

FILLER(fill_bind_x) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_BIND_X);
    push_u64(s, sc_ret(ctx));                                                     /* 1 res */
    push_sockaddr_user(s, (const void*)sc_arg(ctx, 1), (s64)(int)sc_arg(ctx, 2)); /* 2 addr */
    submit(s);
    return 0;
}

FILLER(fill_connect_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_CONNECT_E);
    push_u64(s, FD(0));                                                           /* 1 fd */
    push_sockaddr_user(s, (const void*)sc_arg(ctx, 1), (s64)(int)sc_arg(ctx, 2)); /* 2 addr */
    submit(s);
    return 0;
}

/* The tuple of a connect: the local end from the socket, the remote end the caller asked for. */
FILLER(fill_connect_x) {
    SCRATCH_OR_RETURN(s);
    s64 fd = FD(0);
    begin(s, PPME_SOCKET_CONNECT_X);
    push_u64(s, sc_ret(ctx)); /* 1 res */
    const void* ua = (const void*)sc_arg(ctx, 1);
    s64 ulen = (s64)(int)sc_arg(ctx, 2);
    /* 2 tuple */
    if (fd >= 0 && ua && ulen > 0)
        push_socktuple(s, fd_to_sock(fd), ua, ulen, OUTBOUND);
    else
        push_empty(s);
    submit(s);
    return 0;
}

/* listen enter: 1 fd, 2 backlog (argument 1); exit: 1 res. */
FILLER(fill_listen_e) { return fd_u32_event(ctx, PPME_SOCKET_LISTEN_E, 1); }
FILLER(fill_listen_x) { return result_only_event(ctx, PPME_SOCKET_LISTEN_X); }

/* accept enter: no parameter. */
FILLER(fill_accept_e) { return no_param_event(ctx, PPME_SOCKET_ACCEPT_5_E); }

FILLER(fill_accept4_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_ACCEPT4_5_E);
    push_u32(s, (u32)sc_arg(ctx, 3)); /* 1 flags */
    submit(s);
    return 0;
}

/* The new connection's tuple (remote end first) and the listening socket's queue. */
static __always_inline int accept_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    s64 fd = sc_ret(ctx);
    begin(s, type);
    push_u64(s, fd); /* 1 fd */
    /* 2 tuple */
    if (fd >= 0)
        push_socktuple(s, fd_to_sock(fd), 0, 0, INBOUND);
    else
        push_empty(s);
    u32 len = 0, max = 0;
    struct sock* lsk = fd_to_sock(FD(0));
    if (lsk) {
        len = BPF_CORE_READ(lsk, sk_ack_backlog);
        max = BPF_CORE_READ(lsk, sk_max_ack_backlog);
    }
    push_u8(s, max ? (u8)((u64)len * 100 / max) : 0); /* 3 queuepct */
    push_u32(s, len);                                 /* 4 queuelen */
    push_u32(s, max);                                 /* 5 queuemax */
    submit(s);
    return 0;
}

FILLER(fill_accept_x) { return accept_exit(ctx, PPME_SOCKET_ACCEPT_5_X); }
FILLER(fill_accept4_x) { return accept_exit(ctx, PPME_SOCKET_ACCEPT4_5_X); }

FILLER(fill_shutdown_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_SHUTDOWN_E);
    push_u64(s, FD(0));             /* 1 fd */
    push_u8(s, (u8)sc_arg(ctx, 1)); /* 2 how: SHUT_* and PPM_SHUT_* agree */
    submit(s);
    return 0;
}

/* shutdown exit: 1 res. socketpair enter: 1 domain, 2 type, 3 proto. */
FILLER(fill_shutdown_x) { return result_only_event(ctx, PPME_SOCKET_SHUTDOWN_X); }
FILLER(fill_socketpair_e) { return u32_args_event(ctx, PPME_SOCKET_SOCKETPAIR_E); }

FILLER(fill_socketpair_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    int fds[2] = {-1, -1};
    u64 src = 0, peer = 0;
    if (res >= 0) {
        bpf_probe_read_user(fds, sizeof(fds), (const void*)sc_arg(ctx, 3));
        struct sock* sk = fd_to_sock(fds[0]);
        if (sk) {
            src = (u64)sk;
            peer = (u64)BPF_CORE_READ((struct unix_sock*)sk, peer);
        }
    }
    begin(s, PPME_SOCKET_SOCKETPAIR_X);
    push_u64(s, res);         /* 1 res */
    push_u64(s, (s64)fds[0]); /* 2 fd1 */
    push_u64(s, (s64)fds[1]); /* 3 fd2 */
    push_u64(s, src);         /* 4 source */
    push_u64(s, peer);        /* 5 peer */
    submit(s);
    return 0;
}

/* sendto, sendmsg enter: 1 fd, 2 size, 3 tuple (the destination the caller gives, else the socket's peer). */
static __always_inline void push_send_enter(struct scratch* s, s64 fd, u32 size, const void* uaddr, s64 ulen) {
    push_u64(s, fd);                                          /* 1 fd */
    push_u32(s, size);                                        /* 2 size */
    push_socktuple(s, fd_to_sock(fd), uaddr, ulen, OUTBOUND); /* 3 tuple */
}

FILLER(fill_sendto_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_SENDTO_E);
    /* 1 fd, 2 size, 3 tuple */
    push_send_enter(s, FD(0), (u32)sc_arg(ctx, 2), (const void*)sc_arg(ctx, 4), (s64)(int)sc_arg(ctx, 5));
    submit(s);
    return 0;
}

/* sendto exit: 1 res, 2 data. recvfrom enter: 1 fd, 2 size (argument 2). */
FILLER(fill_sendto_x) { return result_data_event(ctx, PPME_SOCKET_SENDTO_X); }
FILLER(fill_recvfrom_e) { return fd_u32_event(ctx, PPME_SOCKET_RECVFROM_E, 2); }

/* The tuple of a receive (remote end first): the sender's address is the one the kernel wrote for the
 * caller, when it asked for one (uaddr, ulen); an empty parameter when the call failed. */
static __always_inline void push_recv_tuple(struct scratch* s, struct bpf_raw_tracepoint_args* ctx, s64 res,
                                            const void* uaddr, s64 ulen) {
    if (res >= 0)
        push_socktuple(s, fd_to_sock(FD(0)), ulen > 0 ? uaddr : 0, ulen, INBOUND);
    else
        push_empty(s);
}

FILLER(fill_recvfrom_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, PPME_SOCKET_RECVFROM_X);
    push_u64(s, res);                                                         /* 1 res */
    push_data_user(s, (const void*)sc_arg(ctx, 1), res, data_snaplen(FD(0))); /* 2 data */
    const void* ua = (const void*)sc_arg(ctx, 4);
    s32 ulen = 0;
    if (res >= 0 && ua && sc_arg(ctx, 5)) bpf_probe_read_user(&ulen, 4, (const void*)sc_arg(ctx, 5));
    push_recv_tuple(s, ctx, res, ua, ulen); /* 3 tuple */
    submit(s);
    return 0;
}

/* The sendmsg events of one message: the enter's size is the sum of its iovecs' lengths; the exit's data as much
 * of them as res says and cap (data_snaplen of the socket) allows. */
static __always_inline void sendmsg_enter_event(struct scratch* s, s64 fd, const struct msghdr_u* mh,
                                                const u32 max_iov) {
    u64 size = push_iov_data(s, (const void*)mh->msg_iov, mh->msg_iovlen, 0, SIZE_ONLY, max_iov);
    begin(s, PPME_SOCKET_SENDMSG_E);
    /* 1 fd, 2 size, 3 tuple */
    push_send_enter(s, fd, size, (const void*)mh->msg_name, mh->msg_namelen);
    submit(s);
}

static __always_inline void sendmsg_exit_event(struct scratch* s, s64 res, const struct msghdr_u* mh, const u32 max_iov,
                                               u32 cap) {
    begin(s, PPME_SOCKET_SENDMSG_X);
    /* 1 res, 2 data */
    push_iov_result(s, res, (const void*)mh->msg_iov, mh->msg_iovlen, RES_DATA, max_iov, cap);
    submit(s);
}

FILLER(fill_sendmsg_e) {
    SCRATCH_OR_RETURN(s);
    struct msghdr_u mh = read_msghdr(ctx);
    sendmsg_enter_event(s, FD(0), &mh, IOV_MAX_READ);
    return 0;
}

FILLER(fill_sendmsg_x) {
    SCRATCH_OR_RETURN(s);
    struct msghdr_u mh = read_msghdr(ctx);
    sendmsg_exit_event(s, sc_ret(ctx), &mh, IOV_MAX_READ, data_snaplen(FD(0)));
    return 0;
}

/* recvmsg enter: 1 fd. */
FILLER(fill_recvmsg_e) { return fd_only_event(ctx, PPME_SOCKET_RECVMSG_E); }

/* The recvmsg exit of one message: the sender's address is in its msg_name, where the kernel wrote it; as much of
 * its data as res says and cap (data_snaplen of the socket) allows. */
static __always_inline void recvmsg_exit_event(struct scratch* s, struct bpf_raw_tracepoint_args* ctx, s64 res,
                                               const struct msghdr_u* mh, const u32 max_iov, u32 cap) {
    begin(s, PPME_SOCKET_RECVMSG_X);
    /* 1 res, 2 size, 3 data */
    push_iov_result(s, res, (const void*)mh->msg_iov, mh->msg_iovlen, RES_SIZE_DATA, max_iov, cap);
    push_recv_tuple(s, ctx, res, (const void*)mh->msg_name, mh->msg_namelen); /* 4 tuple */
    submit(s);
}

FILLER(fill_recvmsg_x) {
    SCRATCH_OR_RETURN(s);
    struct msghdr_u mh = read_msghdr(ctx);
    recvmsg_exit_event(s, ctx, sc_ret(ctx), &mh, IOV_MAX_READ, data_snaplen(FD(0)));
    return 0;
}

/* sendmmsg and recvmmsg have no parameters in the 2022 table: their own events carry no data. So that readers of
 * the data see the messages they move (glibc's resolver sends its A and AAAA queries with one sendmmsg), their exit
 * is followed, while sendmsg's (recvmsg's) events are switched on, by a sendmsg (recvmsg) enter and exit pair per
 * message the call moved, at most MMSG_MAX, each with that message's bytes (msg_len) as its result. */
#define MMSG_MAX 4

FILLER(fill_sendmmsg_e) { return no_param_event(ctx, PPME_SOCKET_SENDMMSG_E); }
FILLER(fill_recvmmsg_e) { return no_param_event(ctx, PPME_SOCKET_RECVMMSG_E); }

FILLER(fill_sendmmsg_x) {
    SCRATCH_OR_RETURN(s);
    s64 sent = sc_ret(ctx);
    s64 fd = FD(0);
    const struct mmsghdr_u* vec = (const struct mmsghdr_u*)sc_arg(ctx, 1);
    begin(s, PPME_SOCKET_SENDMMSG_X);
    submit(s);
    if (!evt_on[PPME_SOCKET_SENDMSG_X]) return 0;
    u32 cap = data_snaplen(fd);
    for (int i = 0; i < MMSG_MAX; i++) {
        struct mmsghdr_u m = {};
        if (i >= sent || bpf_probe_read_user(&m, sizeof(m), &vec[i])) break;
        sendmsg_enter_event(s, fd, &m.msg_hdr, IOV_MAX_MMSG);
        sendmsg_exit_event(s, m.msg_len, &m.msg_hdr, IOV_MAX_MMSG, cap);
    }
    return 0;
}

FILLER(fill_recvmmsg_x) {
    SCRATCH_OR_RETURN(s);
    s64 received = sc_ret(ctx);
    const struct mmsghdr_u* vec = (const struct mmsghdr_u*)sc_arg(ctx, 1);
    begin(s, PPME_SOCKET_RECVMMSG_X);
    submit(s);
    if (!evt_on[PPME_SOCKET_RECVMSG_X]) return 0;
    s64 fd = FD(0);
    u32 cap = data_snaplen(fd);
    for (int i = 0; i < MMSG_MAX; i++) {
        struct mmsghdr_u m = {};
        if (i >= received || bpf_probe_read_user(&m, sizeof(m), &vec[i])) break;
        fd_event(s, PPME_SOCKET_RECVMSG_E, fd);
        recvmsg_exit_event(s, ctx, m.msg_len, &m.msg_hdr, IOV_MAX_MMSG, cap);
    }
    return 0;
}
