/* Sockets: creation, addresses and tuples, the send and receive calls with their data. */
#include "fill.h"

/* The struct msghdr of sendmsg/recvmsg (their second argument); zeroed when unreadable. */
static __always_inline struct msghdr_u read_msghdr(struct bpf_raw_tracepoint_args* ctx) {
    struct msghdr_u mh = {};
    bpf_probe_read_user(&mh, sizeof(mh), (const void*)sc_arg(ctx, 1));
    return mh;
}

/* AF_*, SOCK_* and the protocol: the kernel's values and PPM_AF_* agree */
FILLER(fill_socket_e) { return u32_args_event(ctx, PPME_SOCKET_SOCKET_E); }
FILLER(fill_socket_x) { return result_only_event(ctx, PPME_SOCKET_SOCKET_X); }

FILLER(fill_bind_e) { return fd_only_event(ctx, PPME_SOCKET_BIND_E); }

FILLER(fill_bind_x) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_BIND_X);
    push_u64(s, sc_ret(ctx));
    push_sockaddr_user(s, (const void*)sc_arg(ctx, 1), (s64)(int)sc_arg(ctx, 2));
    submit(s);
    return 0;
}

FILLER(fill_connect_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_CONNECT_E);
    push_u64(s, FD(0));
    push_sockaddr_user(s, (const void*)sc_arg(ctx, 1), (s64)(int)sc_arg(ctx, 2));
    submit(s);
    return 0;
}

/* The tuple of a connect: the local end from the socket, the remote end the caller asked for. */
FILLER(fill_connect_x) {
    SCRATCH_OR_RETURN(s);
    s64 fd = FD(0);
    begin(s, PPME_SOCKET_CONNECT_X);
    push_u64(s, sc_ret(ctx));
    const void* ua = (const void*)sc_arg(ctx, 1);
    s64 ulen = (s64)(int)sc_arg(ctx, 2);
    if (fd >= 0 && ua && ulen > 0)
        push_socktuple(s, fd_to_sock(fd), ua, ulen, OUTBOUND);
    else
        push_empty(s);
    submit(s);
    return 0;
}

FILLER(fill_listen_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_LISTEN_E);
    push_u64(s, FD(0));
    push_u32(s, (u32)sc_arg(ctx, 1));
    submit(s);
    return 0;
}

FILLER(fill_listen_x) { return result_only_event(ctx, PPME_SOCKET_LISTEN_X); }

FILLER(fill_accept_e) { return no_param_event(ctx, PPME_SOCKET_ACCEPT_5_E); }

FILLER(fill_accept4_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_ACCEPT4_5_E);
    push_u32(s, (u32)sc_arg(ctx, 3));
    submit(s);
    return 0;
}

/* The new connection's tuple (remote end first) and the listening socket's queue. */
static __always_inline int accept_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    s64 fd = sc_ret(ctx);
    begin(s, type);
    push_u64(s, fd);
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
    push_u8(s, max ? (u8)((u64)len * 100 / max) : 0);
    push_u32(s, len);
    push_u32(s, max);
    submit(s);
    return 0;
}

FILLER(fill_accept_x) { return accept_exit(ctx, PPME_SOCKET_ACCEPT_5_X); }
FILLER(fill_accept4_x) { return accept_exit(ctx, PPME_SOCKET_ACCEPT4_5_X); }

FILLER(fill_shutdown_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_SHUTDOWN_E);
    push_u64(s, FD(0));
    push_u8(s, (u8)sc_arg(ctx, 1)); /* SHUT_* and PPM_SHUT_* agree */
    submit(s);
    return 0;
}

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
    push_u64(s, res);
    push_u64(s, (s64)fds[0]);
    push_u64(s, (s64)fds[1]);
    push_u64(s, src);
    push_u64(s, peer);
    submit(s);
    return 0;
}

FILLER(fill_sendto_e) {
    SCRATCH_OR_RETURN(s);
    s64 fd = FD(0);
    begin(s, PPME_SOCKET_SENDTO_E);
    push_u64(s, fd);
    push_u32(s, (u32)sc_arg(ctx, 2));
    push_socktuple(s, fd_to_sock(fd), (const void*)sc_arg(ctx, 4), (s64)(int)sc_arg(ctx, 5), OUTBOUND);
    submit(s);
    return 0;
}

FILLER(fill_sendto_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, PPME_SOCKET_SENDTO_X);
    push_u64(s, res);
    push_data_user(s, (const void*)sc_arg(ctx, 1), res);
    submit(s);
    return 0;
}

FILLER(fill_recvfrom_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SOCKET_RECVFROM_E);
    push_u64(s, FD(0));
    push_u32(s, (u32)sc_arg(ctx, 2));
    submit(s);
    return 0;
}

/* The sender's address is the one the kernel wrote for the caller, when it asked for it. */
FILLER(fill_recvfrom_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, PPME_SOCKET_RECVFROM_X);
    push_u64(s, res);
    push_data_user(s, (const void*)sc_arg(ctx, 1), res);
    if (res >= 0) {
        const void* ua = (const void*)sc_arg(ctx, 4);
        s32 ulen = 0;
        if (ua && sc_arg(ctx, 5)) bpf_probe_read_user(&ulen, 4, (const void*)sc_arg(ctx, 5));
        push_socktuple(s, fd_to_sock(FD(0)), ulen > 0 ? ua : 0, ulen, INBOUND);
    } else {
        push_empty(s);
    }
    submit(s);
    return 0;
}

FILLER(fill_sendmsg_e) {
    SCRATCH_OR_RETURN(s);
    s64 fd = FD(0);
    struct msghdr_u mh = read_msghdr(ctx);
    begin(s, PPME_SOCKET_SENDMSG_E);
    push_u64(s, fd);
    u64 total = push_iov_data(s, (const void*)mh.msg_iov, mh.msg_iovlen, 0, SIZE_ONLY);
    push_u32(s, total);
    push_socktuple(s, fd_to_sock(fd), (const void*)mh.msg_name, mh.msg_namelen, OUTBOUND);
    submit(s);
    return 0;
}

FILLER(fill_sendmsg_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    struct msghdr_u mh = read_msghdr(ctx);
    begin(s, PPME_SOCKET_SENDMSG_X);
    push_u64(s, res);
    push_iov_data(s, (const void*)mh.msg_iov, mh.msg_iovlen, res > 0 ? res : 0, COPY_DATA);
    submit(s);
    return 0;
}

FILLER(fill_recvmsg_e) { return fd_only_event(ctx, PPME_SOCKET_RECVMSG_E); }

FILLER(fill_recvmsg_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    struct msghdr_u mh = read_msghdr(ctx);
    begin(s, PPME_SOCKET_RECVMSG_X);
    push_u64(s, res);
    u32 size_at = s->off;
    push_u32(s, 0);
    u64 total = push_iov_data(s, (const void*)mh.msg_iov, mh.msg_iovlen, res > 0 ? res : 0, COPY_DATA);
    u32 t = total;
    __builtin_memcpy(&s->buf[size_at & OFF_MASK], &t, 4);
    if (res >= 0)
        push_socktuple(s, fd_to_sock(FD(0)), mh.msg_namelen ? (const void*)mh.msg_name : 0, mh.msg_namelen, INBOUND);
    else
        push_empty(s);
    submit(s);
    return 0;
}

/* sendmmsg and recvmmsg have no parameters in the 2022 table. */
FILLER(fill_sendmmsg_e) { return no_param_event(ctx, PPME_SOCKET_SENDMMSG_E); }
FILLER(fill_sendmmsg_x) { return no_param_event(ctx, PPME_SOCKET_SENDMMSG_X); }
FILLER(fill_recvmmsg_e) { return no_param_event(ctx, PPME_SOCKET_RECVMMSG_E); }
FILLER(fill_recvmmsg_x) { return no_param_event(ctx, PPME_SOCKET_RECVMMSG_X); }
