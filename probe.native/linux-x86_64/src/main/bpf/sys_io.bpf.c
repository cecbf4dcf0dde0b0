/* read/write and their positioned and vectored variants: the fd and size on enter, the result and
 * at most the fd's snaplen (data_snaplen: more for a socket while a converter reads payloads) bytes of the data on
 * exit. The shapes they share with the socket calls (fd_u32_event,
 * result_data_event, push_iov_result) are in fill.h. */
#include "fill.h"

/* read, write, pread, pwrite enter: 1 fd, 2 size (argument 2), 3 pos (argument 3, the positioned calls). */
FILLER(fill_read_e) { return fd_u32_event(ctx, PPME_SYSCALL_READ_E, 2); }
FILLER(fill_write_e) { return fd_u32_event(ctx, PPME_SYSCALL_WRITE_E, 2); }
FILLER(fill_pread_e) { return fd_u32_event(ctx, PPME_SYSCALL_PREAD_E, 2); }
FILLER(fill_pwrite_e) { return fd_u32_event(ctx, PPME_SYSCALL_PWRITE_E, 2); }

/* read, write, pread, pwrite exit: 1 res, 2 data (of the buffer, argument 1). */
FILLER(fill_read_x) { return result_data_event(ctx, PPME_SYSCALL_READ_X); }
FILLER(fill_write_x) { return result_data_event(ctx, PPME_SYSCALL_WRITE_X); }
FILLER(fill_pread_x) { return result_data_event(ctx, PPME_SYSCALL_PREAD_X); }
FILLER(fill_pwrite_x) { return result_data_event(ctx, PPME_SYSCALL_PWRITE_X); }

/* readv enter: 1 fd. */
FILLER(fill_readv_e) { return fd_only_event(ctx, PPME_SYSCALL_READV_E); }

/* preadv enter: 1 fd, 2 pos (argument 3). */
FILLER(fill_preadv_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_PREADV_E);
    push_u64(s, FD(0));          /* 1 fd */
    push_u64(s, sc_arg(ctx, 3)); /* 2 pos */
    submit(s);
    return 0;
}

/* writev, pwritev enter: 1 fd, 2 size (the iovecs' total), 3 pos (argument 3, pwritev). */
static __always_inline int writev_enter(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    push_u64(s, FD(0));                                            /* 1 fd */
    push_iov_size(s, (const void*)sc_arg(ctx, 1), sc_arg(ctx, 2)); /* 2 size */
    if (s->nparams == 3) push_u64(s, sc_arg(ctx, 3));              /* 3 pos */
    submit(s);
    return 0;
}

FILLER(fill_writev_e) { return writev_enter(ctx, PPME_SYSCALL_WRITEV_E); }
FILLER(fill_pwritev_e) { return writev_enter(ctx, PPME_SYSCALL_PWRITEV_E); }

/* readv, preadv exit: 1 res, 2 size (the iovecs' total), 3 data; writev, pwritev exit: 1 res, 2 data. The
 * iovecs are arguments 1 and 2. */
static __always_inline int iov_exit(struct bpf_raw_tracepoint_args* ctx, u16 type, enum iov_layout layout) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    push_iov_result(s, sc_ret(ctx), (const void*)sc_arg(ctx, 1), sc_arg(ctx, 2), layout, IOV_MAX_READ,
                    data_snaplen(FD(0)));
    submit(s);
    return 0;
}

FILLER(fill_readv_x) { return iov_exit(ctx, PPME_SYSCALL_READV_X, RES_SIZE_DATA); }
FILLER(fill_preadv_x) { return iov_exit(ctx, PPME_SYSCALL_PREADV_X, RES_SIZE_DATA); }
FILLER(fill_writev_x) { return iov_exit(ctx, PPME_SYSCALL_WRITEV_X, RES_DATA); }
FILLER(fill_pwritev_x) { return iov_exit(ctx, PPME_SYSCALL_PWRITEV_X, RES_DATA); }

/* sendfile: the value its offset pointer (argument 2) points to, 0 without one. */
static __always_inline u64 sendfile_offset(struct bpf_raw_tracepoint_args* ctx) {
    u64 off = 0;
    const void* p = (const void*)sc_arg(ctx, 2);
    if (p && bpf_probe_read_user(&off, sizeof(off), p)) off = 0;
    return off;
}

/* sendfile enter: 1 out_fd, 2 in_fd, 3 offset, 4 size. No data: the bytes go from the file to the socket
 * in the kernel (a server's zero-copy responses), and the exit's result counts them. */
FILLER(fill_sendfile_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_SENDFILE_E);
    push_u64(s, FD(0));                /* 1 out_fd */
    push_u64(s, FD(1));                /* 2 in_fd */
    push_u64(s, sendfile_offset(ctx)); /* 3 offset */
    push_u64(s, sc_arg(ctx, 3));       /* 4 size */
    submit(s);
    return 0;
}

/* sendfile exit: 1 res, 2 offset (after the bytes sent). */
FILLER(fill_sendfile_x) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_SENDFILE_X);
    push_u64(s, sc_ret(ctx));          /* 1 res */
    push_u64(s, sendfile_offset(ctx)); /* 2 offset */
    submit(s);
    return 0;
}
