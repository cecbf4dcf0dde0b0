/* Files and fd bookkeeping: the open family, close, dup, pipe, eventfd, fcntl. libsinsp builds
 * its fd table from these. */
#include "fill.h"
#include "flags.h"

FILLER(fill_open_e) {
    SCRATCH_OR_RETURN(s);
    unsigned long flags = sc_arg(ctx, 1);
    begin(s, PPME_SYSCALL_OPEN_E);
    push_str_user(s, (const void*)sc_arg(ctx, 0));        /* 1 name */
    push_u32(s, open_flags_to_ppm(flags));                /* 2 flags */
    push_u32(s, open_mode_to_ppm(flags, sc_arg(ctx, 2))); /* 3 mode */
    submit(s);
    return 0;
}

FILLER(fill_open_x) {
    SCRATCH_OR_RETURN(s);
    s64 fd = sc_ret(ctx);
    unsigned long flags = sc_arg(ctx, 1);
    begin(s, PPME_SYSCALL_OPEN_X);
    push_u64(s, fd);                                      /* 1 fd */
    push_str_user(s, (const void*)sc_arg(ctx, 0));        /* 2 name */
    push_u32(s, open_flags_to_ppm(flags));                /* 3 flags */
    push_u32(s, open_mode_to_ppm(flags, sc_arg(ctx, 2))); /* 4 mode */
    push_u32(s, fd >= 0 ? fd_dev(fd) : 0);                /* 5 dev */
    submit(s);
    return 0;
}

FILLER(fill_creat_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_CREAT_E);
    push_str_user(s, (const void*)sc_arg(ctx, 0)); /* 1 name */
    push_u32(s, sc_arg(ctx, 1) & 07777);           /* 2 mode */
    submit(s);
    return 0;
}

FILLER(fill_creat_x) {
    SCRATCH_OR_RETURN(s);
    s64 fd = sc_ret(ctx);
    begin(s, PPME_SYSCALL_CREAT_X);
    push_u64(s, fd);                               /* 1 fd */
    push_str_user(s, (const void*)sc_arg(ctx, 0)); /* 2 name */
    push_u32(s, sc_arg(ctx, 1) & 07777);           /* 3 mode */
    push_u32(s, fd >= 0 ? fd_dev(fd) : 0);         /* 4 dev */
    submit(s);
    return 0;
}

FILLER(fill_openat_e) {
    SCRATCH_OR_RETURN(s);
    unsigned long flags = sc_arg(ctx, 2);
    begin(s, PPME_SYSCALL_OPENAT_2_E);
    push_u64(s, dirfd_to_ppm(sc_arg(ctx, 0)));            /* 1 dirfd */
    push_str_user(s, (const void*)sc_arg(ctx, 1));        /* 2 name */
    push_u32(s, open_flags_to_ppm(flags));                /* 3 flags */
    push_u32(s, open_mode_to_ppm(flags, sc_arg(ctx, 3))); /* 4 mode */
    submit(s);
    return 0;
}

FILLER(fill_openat_x) {
    SCRATCH_OR_RETURN(s);
    s64 fd = sc_ret(ctx);
    unsigned long flags = sc_arg(ctx, 2);
    begin(s, PPME_SYSCALL_OPENAT_2_X);
    push_u64(s, fd);                                      /* 1 fd */
    push_u64(s, dirfd_to_ppm(sc_arg(ctx, 0)));            /* 2 dirfd */
    push_str_user(s, (const void*)sc_arg(ctx, 1));        /* 3 name */
    push_u32(s, open_flags_to_ppm(flags));                /* 4 flags */
    push_u32(s, open_mode_to_ppm(flags, sc_arg(ctx, 3))); /* 5 mode */
    push_u32(s, fd >= 0 ? fd_dev(fd) : 0);                /* 6 dev */
    submit(s);
    return 0;
}

/* openat2 takes its flags, mode and resolve bits from a struct open_how in user memory. */
struct open_how_u {
    u64 flags;
    u64 mode;
    u64 resolve;
};

static __always_inline u32 resolve_to_ppm(u64 r) {
    u32 v = 0;
    if (r & 0x01) v |= PPM_RESOLVE_NO_XDEV;
    if (r & 0x02) v |= PPM_RESOLVE_NO_MAGICLINKS;
    if (r & 0x04) v |= PPM_RESOLVE_NO_SYMLINKS;
    if (r & 0x08) v |= PPM_RESOLVE_BENEATH;
    if (r & 0x10) v |= PPM_RESOLVE_IN_ROOT;
    if (r & 0x20) v |= PPM_RESOLVE_CACHED;
    return v;
}

static __always_inline int openat2_fill(struct bpf_raw_tracepoint_args* ctx, bool exit) {
    SCRATCH_OR_RETURN(s);
    struct open_how_u how = {};
    bpf_probe_read_user(&how, sizeof(how), (const void*)sc_arg(ctx, 2));
    begin(s, exit ? PPME_SYSCALL_OPENAT2_X : PPME_SYSCALL_OPENAT2_E);
    /* enter: 1 dirfd ... 5 resolve; exit: 1 fd, then the same, 2 dirfd ... 6 resolve */
    if (exit) push_u64(s, sc_ret(ctx));                 /* exit: 1 fd */
    push_u64(s, dirfd_to_ppm(sc_arg(ctx, 0)));          /* 1 (exit: 2) dirfd */
    push_str_user(s, (const void*)sc_arg(ctx, 1));      /* 2 (exit: 3) name */
    push_u32(s, open_flags_to_ppm(how.flags));          /* 3 (exit: 4) flags */
    push_u32(s, open_mode_to_ppm(how.flags, how.mode)); /* 4 (exit: 5) mode */
    push_u32(s, resolve_to_ppm(how.resolve));           /* 5 (exit: 6) resolve */
    submit(s);
    return 0;
}

FILLER(fill_openat2_e) { return openat2_fill(ctx, false); }
FILLER(fill_openat2_x) { return openat2_fill(ctx, true); }

FILLER(fill_close_e) { return fd_only_event(ctx, PPME_SYSCALL_CLOSE_E); }

FILLER(fill_close_x) { return result_only_event(ctx, PPME_SYSCALL_CLOSE_X); }

/* dup, dup2 and dup3 share one event: the old fd on enter, the new one on exit. */
FILLER(fill_dup_e) { return fd_only_event(ctx, PPME_SYSCALL_DUP_E); }

FILLER(fill_dup_x) { return result_only_event(ctx, PPME_SYSCALL_DUP_X); }

FILLER(fill_pipe_e) { return no_param_event(ctx, PPME_SYSCALL_PIPE_E); }

FILLER(fill_pipe_x) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    int fds[2] = {-1, -1};
    if (res >= 0) bpf_probe_read_user(fds, sizeof(fds), (const void*)sc_arg(ctx, 0));
    begin(s, PPME_SYSCALL_PIPE_X);
    push_u64(s, res);                           /* 1 res */
    push_u64(s, (s64)fds[0]);                   /* 2 fd1 */
    push_u64(s, (s64)fds[1]);                   /* 3 fd2 */
    push_u64(s, res >= 0 ? fd_ino(fds[0]) : 0); /* 4 ino */
    submit(s);
    return 0;
}

FILLER(fill_eventfd_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_EVENTFD_E);
    push_u64(s, sc_arg(ctx, 0));                         /* 1 initval */
    push_u32(s, s->id == 290 ? (u32)sc_arg(ctx, 1) : 0); /* 2 flags: eventfd2 has them, eventfd none */
    submit(s);
    return 0;
}

FILLER(fill_eventfd_x) { return result_only_event(ctx, PPME_SYSCALL_EVENTFD_X); }

FILLER(fill_fcntl_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_FCNTL_E);
    push_u64(s, FD(0));                           /* 1 fd */
    push_u8(s, fcntl_cmd_to_ppm(sc_arg(ctx, 1))); /* 2 cmd */
    submit(s);
    return 0;
}

FILLER(fill_fcntl_x) { return result_only_event(ctx, PPME_SYSCALL_FCNTL_X); }

/* The working and root directories: libsinsp resolves relative paths against the cwd it keeps. */
FILLER(fill_chdir_e) { return no_param_event(ctx, PPME_SYSCALL_CHDIR_E); }

FILLER(fill_chdir_x) { return result_path_event(ctx, PPME_SYSCALL_CHDIR_X, 0); }

FILLER(fill_fchdir_e) { return fd_only_event(ctx, PPME_SYSCALL_FCHDIR_E); }

FILLER(fill_fchdir_x) { return result_only_event(ctx, PPME_SYSCALL_FCHDIR_X); }

FILLER(fill_chroot_e) { return no_param_event(ctx, PPME_SYSCALL_CHROOT_E); }

FILLER(fill_chroot_x) { return result_path_event(ctx, PPME_SYSCALL_CHROOT_X, 0); }

/* Other calls that create fds: signalfd/signalfd4, timerfd_create, inotify_init/inotify_init1. */
FILLER(fill_signalfd_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_SIGNALFD_E);
    push_u64(s, FD(0));                                /* 1 fd */
    push_u32(s, 0);                                    /* 2 mask: not read, as in the 2022 drivers */
    push_u8(s, s->id == 289 ? (u8)sc_arg(ctx, 3) : 0); /* 3 flags: signalfd4's */
    submit(s);
    return 0;
}

FILLER(fill_timerfd_create_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_TIMERFD_CREATE_E);
    push_u8(s, (u8)sc_arg(ctx, 0)); /* 1 clockid */
    push_u8(s, (u8)sc_arg(ctx, 1)); /* 2 flags */
    submit(s);
    return 0;
}

FILLER(fill_inotify_init_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_INOTIFY_INIT_E);
    push_u8(s, s->id == 294 ? (u8)sc_arg(ctx, 0) : 0); /* 1 flags */
    submit(s);
    return 0;
}

/* The exit of each: the new fd. */
FILLER(fill_signalfd_x) { return result_only_event(ctx, PPME_SYSCALL_SIGNALFD_X); }
FILLER(fill_timerfd_create_x) { return result_only_event(ctx, PPME_SYSCALL_TIMERFD_CREATE_X); }
FILLER(fill_inotify_init_x) { return result_only_event(ctx, PPME_SYSCALL_INOTIFY_INIT_X); }
