/* The probe's eBPF object: the two syscall dispatchers and every filler, in one object whose
 * skeleton the shim library carries.
 *
 * sys_enter/sys_exit look the syscall number up in sc_table (written by user space from libscap's
 * own syscall table), drop what is switched off or comes from the probe itself, write syscalls
 * the probe records as generic events directly, and tail-call the filler of the event type for
 * the others. Each filler lays out one event type of the 2022 event table. */
#include "fill.h"
#include "flags.h"
#include "sys_io.bpf.c"
#include "sys_net.bpf.c"
#include "sys_file.bpf.c"
#include "sys_wait.bpf.c"
#include "sys_process.bpf.c"
#include "tcp_events.bpf.c"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int dispatch(struct bpf_raw_tracepoint_args* ctx, u64 id, bool enter) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    if (tgid == own_tgid) {
        count(STAT_FILTERED_OWN);
        return 0;
    }
    /* 32-bit (ia32) syscalls number differently; the table is the x86-64 one */
    if (id >= SYSCALL_TABLE_SIZE || (BPF_CORE_READ(current_task(), thread_info.status) & TS_COMPAT_K)) {
        count(STAT_FILTERED_SC);
        return 0;
    }
    struct sc_entry* e = &sc_table[id & (SYSCALL_TABLE_SIZE - 1)];
    u16 type = enter ? e->enter : e->exit;
    if (type == PPME_GENERIC_E || type == PPME_GENERIC_X) {
        if (!gen_on[id & (SYSCALL_TABLE_SIZE - 1)]) {
            count(STAT_FILTERED_SC);
            return 0;
        }
        struct scratch* s = get_scratch(SLOT_SYSCALL);
        if (!s) return 0;
        begin(s, type);
        push_u16(s, e->code);       /* 1 ID: the PPM_SC code */
        if (enter) push_u16(s, id); /* enter: 2 nativeID */
        submit(s);
        return 0;
    }
    if (!evt_on[type & (EVT_TABLE - 1)]) {
        count(STAT_FILTERED_SC);
        return 0;
    }
    struct scratch* s = get_scratch(SLOT_SYSCALL);
    if (!s) return 0;
    s->id = id;
    bpf_tail_call(ctx, &fillers, type);
    /* no filler for this type: user space never routes a syscall here without one */
    count(STAT_DROP_INVALID);
    return 0;
}

/* sys_enter(struct pt_regs *regs, long id) */
SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args* ctx) { return dispatch(ctx, ctx->args[1], true); }

/* sys_exit(struct pt_regs *regs, long ret): the number is in orig_ax */
SEC("raw_tp/sys_exit")
int on_sys_exit(struct bpf_raw_tracepoint_args* ctx) {
    struct pt_regs* regs = (struct pt_regs*)ctx->args[0];
    return dispatch(ctx, BPF_CORE_READ(regs, orig_ax), false);
}
