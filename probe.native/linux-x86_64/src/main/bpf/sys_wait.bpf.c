/* Waiting: poll, ppoll, select, epoll_wait, futex, nanosleep. */
#include "fill.h"
#include "flags.h"

/* Descriptors listed of a poll set (the rest are left out); their pollfds are read into the
 * scratch's tmp, 8 bytes each. */
#define POLL_FDS_MAX 32
_Static_assert(POLL_FDS_MAX * 8 <= sizeof(((struct scratch*)0)->tmp), "pollfds fit tmp");

/* PT_FDLIST: a u16 count, then per entry the fd (s64) and the PPM poll flags (u16), from the
 * events asked on enter or the revents returned on exit. */
static __always_inline void push_fdlist(struct scratch* s, const void* ufds, u64 nfds, bool revents) {
    u32 at = s->off;
    u16 n = 0;
    if (nfds > POLL_FDS_MAX) nfds = POLL_FDS_MAX;
    /* the mask bounds the size for the verifier and keeps every value up to POLL_FDS_MAX entries:
     * a size of 0 would read nothing and list stale scratch bytes */
    u32 size = (nfds * sizeof(struct pollfd_u)) & 0x1ff;
    if (!ufds || !size || bpf_probe_read_user(s->tmp, size, ufds)) nfds = 0;
    struct pollfd_u* p = (struct pollfd_u*)s->tmp;
    for (int i = 0; i < POLL_FDS_MAX; i++) {
        if (i >= nfds) break;
        s64 fd = p[i].fd;
        u16 fl = poll_events_to_ppm(revents ? p[i].revents : p[i].events);
        __builtin_memcpy(&s->buf[(at + 2 + n * 10) & OFF_MASK], &fd, 8);
        __builtin_memcpy(&s->buf[(at + 10 + n * 10) & OFF_MASK], &fl, 2);
        n++;
    }
    __builtin_memcpy(&s->buf[at & OFF_MASK], &n, 2);
    done(s, 2 + n * 10);
}

FILLER(fill_poll_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_POLL_E);
    push_fdlist(s, (const void*)sc_arg(ctx, 0), sc_arg(ctx, 1), false); /* 1 fds */
    push_u64(s, (s64)(int)sc_arg(ctx, 2));                              /* 2 timeout */
    submit(s);
    return 0;
}

FILLER(fill_poll_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, PPME_SYSCALL_POLL_X);
    push_u64(s, res);                                                                /* 1 res */
    push_fdlist(s, (const void*)sc_arg(ctx, 0), res > 0 ? sc_arg(ctx, 1) : 0, true); /* 2 fds */
    submit(s);
    return 0;
}

/* A relative time from a struct timespec in user memory, in nanoseconds; -1 when there is none. */
static __always_inline u64 timespec_ns(const void* up) {
    struct timespec_u ts;
    if (!up || bpf_probe_read_user(&ts, sizeof(ts), up)) return (u64)-1;
    return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

FILLER(fill_ppoll_e) {
    SCRATCH_OR_RETURN(s);
    u32 sigmask = 0;
    const void* sm = (const void*)sc_arg(ctx, 3);
    if (sm) bpf_probe_read_user(&sigmask, 4, sm);
    begin(s, PPME_SYSCALL_PPOLL_E);
    push_fdlist(s, (const void*)sc_arg(ctx, 0), sc_arg(ctx, 1), false); /* 1 fds */
    push_u64(s, timespec_ns((const void*)sc_arg(ctx, 2)));              /* 2 timeout */
    push_u32(s, sigmask);                                               /* 3 sigmask */
    submit(s);
    return 0;
}

FILLER(fill_ppoll_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, PPME_SYSCALL_PPOLL_X);
    push_u64(s, res);                                                                /* 1 res */
    push_fdlist(s, (const void*)sc_arg(ctx, 0), res > 0 ? sc_arg(ctx, 1) : 0, true); /* 2 fds */
    submit(s);
    return 0;
}

FILLER(fill_select_e) { return no_param_event(ctx, PPME_SYSCALL_SELECT_E); }

FILLER(fill_select_x) { return result_only_event(ctx, PPME_SYSCALL_SELECT_X); }

FILLER(fill_epoll_wait_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_EPOLLWAIT_E);
    push_u64(s, (s64)(int)sc_arg(ctx, 2)); /* 1 maxevents */
    submit(s);
    return 0;
}

FILLER(fill_epoll_wait_x) { return result_only_event(ctx, PPME_SYSCALL_EPOLLWAIT_X); }

FILLER(fill_futex_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_FUTEX_E);
    push_u64(s, sc_arg(ctx, 0));                  /* 1 addr */
    push_u16(s, futex_op_to_ppm(sc_arg(ctx, 1))); /* 2 op */
    push_u64(s, sc_arg(ctx, 2));                  /* 3 val */
    submit(s);
    return 0;
}

FILLER(fill_futex_x) { return result_only_event(ctx, PPME_SYSCALL_FUTEX_X); }

FILLER(fill_nanosleep_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_NANOSLEEP_E);
    push_u64(s, timespec_ns((const void*)sc_arg(ctx, 0))); /* 1 interval */
    submit(s);
    return 0;
}

FILLER(fill_nanosleep_x) { return result_only_event(ctx, PPME_SYSCALL_NANOSLEEP_X); }
