/* read/write and their positioned and vectored variants: the fd and size on enter, the result and
 * at most snaplen bytes of the data on exit. */
#include "fill.h"

/* read/write enter: the fd, the size and, for the positioned calls (a third parameter), the offset. */
static __always_inline int io_enter(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    begin(s, type);
    push_u64(s, FD(0));
    push_u32(s, sc_arg(ctx, 2));
    if (s->nparams == 3) push_u64(s, sc_arg(ctx, 3));
    submit(s);
    return 0;
}

/* read/write exit: the result and the data, as much of the buffer as the result says and the snaplen
 * allows. */
static __always_inline int io_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, type);
    push_u64(s, res);
    push_data_user(s, (const void*)sc_arg(ctx, 1), res);
    submit(s);
    return 0;
}

FILLER(fill_read_e) { return io_enter(ctx, PPME_SYSCALL_READ_E); }
FILLER(fill_read_x) { return io_exit(ctx, PPME_SYSCALL_READ_X); }
FILLER(fill_write_e) { return io_enter(ctx, PPME_SYSCALL_WRITE_E); }
FILLER(fill_write_x) { return io_exit(ctx, PPME_SYSCALL_WRITE_X); }
FILLER(fill_pread_e) { return io_enter(ctx, PPME_SYSCALL_PREAD_E); }
FILLER(fill_pread_x) { return io_exit(ctx, PPME_SYSCALL_PREAD_X); }
FILLER(fill_pwrite_e) { return io_enter(ctx, PPME_SYSCALL_PWRITE_E); }
FILLER(fill_pwrite_x) { return io_exit(ctx, PPME_SYSCALL_PWRITE_X); }

FILLER(fill_readv_e) { return fd_only_event(ctx, PPME_SYSCALL_READV_E); }

/* readv/preadv exit: result, the iovecs' total size, then the data read. */
static __always_inline int readv_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    const void* iov = (const void*)sc_arg(ctx, 1);
    u64 cnt = sc_arg(ctx, 2);
    begin(s, type);
    push_u64(s, res);
    u32 size_at = s->off;
    push_u32(s, 0);
    u64 total = push_iov_data(s, iov, cnt, res > 0 ? res : 0, COPY_DATA);
    u32 t = total;
    __builtin_memcpy(&s->buf[size_at & OFF_MASK], &t, 4);
    submit(s);
    return 0;
}

FILLER(fill_readv_x) { return readv_exit(ctx, PPME_SYSCALL_READV_X); }

FILLER(fill_writev_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_WRITEV_E);
    push_u64(s, FD(0));
    u64 total = push_iov_data(s, (const void*)sc_arg(ctx, 1), sc_arg(ctx, 2), 0, SIZE_ONLY);
    push_u32(s, total);
    submit(s);
    return 0;
}

static __always_inline int writev_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    s64 res = sc_ret(ctx);
    begin(s, type);
    push_u64(s, res);
    push_iov_data(s, (const void*)sc_arg(ctx, 1), sc_arg(ctx, 2), res > 0 ? res : 0, COPY_DATA);
    submit(s);
    return 0;
}

FILLER(fill_writev_x) { return writev_exit(ctx, PPME_SYSCALL_WRITEV_X); }

FILLER(fill_preadv_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_PREADV_E);
    push_u64(s, FD(0));
    push_u64(s, sc_arg(ctx, 3));
    submit(s);
    return 0;
}

FILLER(fill_preadv_x) { return readv_exit(ctx, PPME_SYSCALL_PREADV_X); }

FILLER(fill_pwritev_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_PWRITEV_E);
    push_u64(s, FD(0));
    u64 total = push_iov_data(s, (const void*)sc_arg(ctx, 1), sc_arg(ctx, 2), 0, SIZE_ONLY);
    push_u32(s, total);
    push_u64(s, sc_arg(ctx, 3));
    submit(s);
    return 0;
}

FILLER(fill_pwritev_x) { return writev_exit(ctx, PPME_SYSCALL_PWRITEV_X); }
