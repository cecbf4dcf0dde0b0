/* Processes and threads: clone/fork/vfork/clone3 and execve/execveat with the process fields
 * libsinsp keeps in its thread table, process exit, context switches and signal delivery. */
#include "fill.h"
#include "flags.h"
#include "cgroups.h"

static __always_inline u64 pages_kb(u64 pages) { return pages << (PAGE_SHIFT_K - 10); }

static __always_inline s64 rss_counter(struct mm_struct* mm, int i) {
    s64 v = 0;
    if (bpf_core_field_exists(mm->rss_stat)) {
        /* an array of percpu_counter, whose size only the running kernel knows */
        const void* base = __builtin_preserve_access_index(&mm->rss_stat[0]);
        const void* at =
            base + i * bpf_core_type_size(struct percpu_counter) + bpf_core_field_offset(struct percpu_counter, count);
        bpf_probe_read_kernel(&v, sizeof(v), at);
    } else {
        struct mm_struct___pre62* old = (void*)mm;
        v = BPF_CORE_READ(old, rss_stat.count[i].counter);
    }
    return v > 0 ? v : 0;
}

/* A task's page faults and memory in KiB (size, resident, swapped), as clone, execve and sched_switch
 * carry them: five parameters, k to k + 4 (k = 9 for clone and execve exits, 2 for sched_switch). */
static __always_inline void push_faults_and_memory(struct scratch* s, struct task_struct* t, struct mm_struct* mm) {
    push_u64(s, BPF_CORE_READ(t, maj_flt)); /* k pgft_maj */
    push_u64(s, BPF_CORE_READ(t, min_flt)); /* k + 1 pgft_min */
    u32 vm_size = 0, vm_rss = 0, vm_swap = 0;
    if (mm) {
        vm_size = pages_kb(BPF_CORE_READ(mm, total_vm));
        vm_rss = pages_kb(rss_counter(mm, MM_FILEPAGES_K) + rss_counter(mm, MM_ANONPAGES_K) +
                          rss_counter(mm, MM_SHMEMPAGES_K));
        vm_swap = pages_kb(rss_counter(mm, MM_SWAPENTS_K));
    }
    push_u32(s, vm_size); /* k + 2 vm_size */
    push_u32(s, vm_rss);  /* k + 3 vm_rss */
    push_u32(s, vm_swap); /* k + 4 vm_swap */
}

/* The pid a task has in its own pid namespace. */
static __always_inline s64 pid_vnr(struct task_struct* t) {
    struct pid* p = BPF_CORE_READ(t, thread_pid);
    if (!p) return 0;
    unsigned int level = BPF_CORE_READ(p, level);
    int nr = 0;
    bpf_probe_read_kernel(&nr, sizeof(nr), &p->numbers[level & 31].nr);
    return nr;
}

/* The parameters execve and clone exits share: res, exe, args, tid, pid, ptid, cwd, fdlimit,
 * pgft_maj, pgft_min, vm_size, vm_rss, vm_swap, comm, cgroups. cwd is sent empty: libsinsp
 * keeps the cwd it inherited or read from /proc. */
static __always_inline void push_proc_common(struct scratch* s, struct task_struct* t, s64 res) {
    struct mm_struct* mm = BPF_CORE_READ(t, mm);
    unsigned long as = 0, ae = 0;
    if (mm) {
        as = BPF_CORE_READ(mm, arg_start);
        ae = BPF_CORE_READ(mm, arg_end);
    }
    push_u64(s, res); /* 1 res */
    u64 total = ae > as ? ae - as : 0;
    if (total > ARGS_MAX) total = ARGS_MAX;
    long exe_len = 0;
    if (total) exe_len = bpf_probe_read_user_str(&s->buf[s->off & OFF_MASK], ARGS_MAX, (const void*)as);
    if (exe_len <= 0) {
        s->buf[s->off & OFF_MASK] = 0;
        exe_len = 1;
        total = 0;
    }
    done(s, exe_len); /* 2 exe */
    u32 rest = total > (u64)exe_len ? total - exe_len : 0;
    done(s, copy_user(s, s->off, (const void*)(as + exe_len), rest)); /* 3 args */
    push_u64(s, BPF_CORE_READ(t, pid));                               /* 4 tid */
    push_u64(s, BPF_CORE_READ(t, tgid));                              /* 5 pid */
    push_u64(s, BPF_CORE_READ(t, real_parent, pid));                  /* 6 ptid */
    s->buf[s->off & OFF_MASK] = 0;
    done(s, 1);                                                            /* 7 cwd */
    push_u64(s, BPF_CORE_READ(t, signal, rlim[RLIMIT_NOFILE_K].rlim_cur)); /* 8 fdlimit */
    push_faults_and_memory(s, t, mm);                                      /* 9 to 13 */
    push_str_kernel(s, &t->comm[0], 16);                                   /* 14 comm */
    push_cgroups(s, t);                                                    /* 15 cgroups */
}

/* In the child of clone3 the clone_args pointer may point into the parent's reused stack: the
 * flags that matter to libsinsp are read from what the child shares with its parent or leader. */
static __always_inline u32 child_flags_from_task(struct task_struct* t) {
    bool thread = BPF_CORE_READ(t, pid) != BPF_CORE_READ(t, tgid);
    struct task_struct* other = thread ? BPF_CORE_READ(t, group_leader) : BPF_CORE_READ(t, real_parent);
    u32 r = thread ? PPM_CL_CLONE_THREAD | PPM_CL_CLONE_SIGHAND : 0;
    if (BPF_CORE_READ(t, mm) == BPF_CORE_READ(other, mm)) r |= PPM_CL_CLONE_VM;
    if (BPF_CORE_READ(t, files) == BPF_CORE_READ(other, files)) r |= PPM_CL_CLONE_FILES;
    return r;
}

static __always_inline u32 clone_flags_of(struct bpf_raw_tracepoint_args* ctx, u64 id, s64 res) {
    if (id == 435 && res == 0) return child_flags_from_task(current_task());
    switch (id) {
    case 56: /* clone */ return clone_flags_to_ppm(sc_arg(ctx, 0));
    case 435: { /* clone3: struct clone_args starts with the flags */
        u64 f = 0;
        bpf_probe_read_user(&f, 8, (const void*)sc_arg(ctx, 0));
        return clone_flags_to_ppm(f);
    }
    case 58: /* vfork */ return PPM_CL_CLONE_VM | PPM_CL_CLONE_VFORK;
    default: /* fork */ return 0;
    }
}

static __always_inline int clone_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    struct task_struct* t = current_task();
    s64 res = sc_ret(ctx);
    begin(s, type);
    push_proc_common(s, t, res); /* 1 to 15 */
    s64 vtid = pid_vnr(t);
    s64 vpid = pid_vnr(BPF_CORE_READ(t, group_leader));
    u32 flags = clone_flags_of(ctx, s->id, res);
    if (vtid != BPF_CORE_READ(t, pid)) flags |= PPM_CL_CHILD_IN_PIDNS;
    push_u32(s, flags);                            /* 16 flags */
    push_u32(s, BPF_CORE_READ(t, cred, euid.val)); /* 17 uid */
    push_u32(s, BPF_CORE_READ(t, cred, egid.val)); /* 18 gid */
    push_u64(s, vtid);                             /* 19 vtid */
    push_u64(s, vpid);                             /* 20 vpid */
    submit(s);
    return 0;
}

FILLER(fill_clone_e) { return no_param_event(ctx, PPME_SYSCALL_CLONE_20_E); }
FILLER(fill_fork_e) { return no_param_event(ctx, PPME_SYSCALL_FORK_20_E); }
FILLER(fill_vfork_e) { return no_param_event(ctx, PPME_SYSCALL_VFORK_20_E); }
FILLER(fill_clone3_e) { return no_param_event(ctx, PPME_SYSCALL_CLONE3_E); }
FILLER(fill_clone_x) { return clone_exit(ctx, PPME_SYSCALL_CLONE_20_X); }
FILLER(fill_fork_x) { return clone_exit(ctx, PPME_SYSCALL_FORK_20_X); }
FILLER(fill_vfork_x) { return clone_exit(ctx, PPME_SYSCALL_VFORK_20_X); }
FILLER(fill_clone3_x) { return clone_exit(ctx, PPME_SYSCALL_CLONE3_X); }

FILLER(fill_execve_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_EXECVE_19_E);
    push_str_user(s, (const void*)sc_arg(ctx, 0)); /* 1 filename */
    submit(s);
    return 0;
}

static __always_inline u32 execveat_flags_to_ppm(unsigned long f) {
    u32 r = 0;
    if (f & 0x1000) r |= PPM_EXVAT_AT_EMPTY_PATH;
    if (f & 0x100) r |= PPM_EXVAT_AT_SYMLINK_NOFOLLOW;
    return r;
}

FILLER(fill_execveat_e) {
    SCRATCH_OR_RETURN(s);
    begin(s, PPME_SYSCALL_EXECVEAT_E);
    push_u64(s, dirfd_to_ppm(sc_arg(ctx, 0)));          /* 1 dirfd */
    push_str_user(s, (const void*)sc_arg(ctx, 1));      /* 2 pathname */
    push_u32(s, execveat_flags_to_ppm(sc_arg(ctx, 4))); /* 3 flags */
    submit(s);
    return 0;
}

/* After a successful exec the task already runs the new image: its argv, environment, comm. */
static __always_inline int execve_exit(struct bpf_raw_tracepoint_args* ctx, u16 type) {
    SCRATCH_OR_RETURN(s);
    struct task_struct* t = current_task();
    begin(s, type);
    push_proc_common(s, t, sc_ret(ctx)); /* 1 to 15 */
    struct mm_struct* mm = BPF_CORE_READ(t, mm);
    unsigned long es = 0, ee = 0;
    if (mm) {
        es = BPF_CORE_READ(mm, env_start);
        ee = BPF_CORE_READ(mm, env_end);
    }
    u64 elen = ee > es ? ee - es : 0;
    if (elen > ARGS_MAX) elen = ARGS_MAX;
    done(s, copy_user(s, s->off, (const void*)es, elen)); /* 16 env */
    push_u32(s, 0);                                       /* 17 tty */
    s64 pgid = 0;
    struct pid* pg = BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID_K]);
    if (pg) {
        unsigned int level = BPF_CORE_READ(pg, level);
        bpf_probe_read_kernel(&pgid, 4, &pg->numbers[level & 31].nr);
    }
    push_u64(s, pgid); /* 18 pgid */
    u32 loginuid = (u32)-1;
    if (bpf_core_field_exists(t->loginuid)) loginuid = BPF_CORE_READ(t, loginuid.val);
    push_u32(s, loginuid); /* 19 loginuid */
    push_u32(s, 0);        /* 20 flags (of the executable) */
    submit(s);
    return 0;
}

FILLER(fill_execve_x) { return execve_exit(ctx, PPME_SYSCALL_EXECVE_19_X); }
FILLER(fill_execveat_x) { return execve_exit(ctx, PPME_SYSCALL_EXECVEAT_X); }

static __always_inline bool own_or_off(u16 type) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    if (tgid == own_tgid) {
        count(STAT_FILTERED_OWN);
        return true;
    }
    if (!evt_on[type & (EVT_TABLE - 1)]) {
        count(STAT_FILTERED_SC);
        return true;
    }
    return false;
}

/* The scheduler's events (not system calls) start like this: not for the probe's own process, nor
 * when no one reads the event type; their own scratch slot. */
#define SCHED_SCRATCH_OR_RETURN(s, type)         \
    if (own_or_off(type)) return 0;              \
    struct scratch* s = get_scratch(SLOT_SCHED); \
    if (!s) return 0;

/* sched_process_exit(struct task_struct *p): the exiting task is the current one. */
SEC("raw_tp/sched_process_exit")
int on_process_exit(struct bpf_raw_tracepoint_args* ctx) {
    SCHED_SCRATCH_OR_RETURN(s, PPME_PROCEXIT_1_E);
    struct task_struct* t = (struct task_struct*)ctx->args[0];
    int status = BPF_CORE_READ(t, exit_code);
    begin(s, PPME_PROCEXIT_1_E);
    push_u64(s, status);               /* 1 status */
    push_u64(s, (status >> 8) & 0xff); /* 2 ret */
    int sig = status & 0x7f;
    push_u8(s, (sig && sig != 0x7f) ? sig : 0); /* 3 sig */
    push_u8(s, (status & 0x80) ? 1 : 0);        /* 4 core */
    submit(s);
    return 0;
}

/* sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, ...): the event
 * belongs to prev, the thread that leaves the CPU. */
SEC("raw_tp/sched_switch")
int on_sched_switch(struct bpf_raw_tracepoint_args* ctx) {
    SCHED_SCRATCH_OR_RETURN(s, PPME_SCHEDSWITCH_6_E);
    struct task_struct* prev = (struct task_struct*)ctx->args[1];
    struct task_struct* next = (struct task_struct*)ctx->args[2];
    begin(s, PPME_SCHEDSWITCH_6_E);
    push_u64(s, BPF_CORE_READ(next, pid)); /* 1 next */
    struct mm_struct* mm = BPF_CORE_READ(prev, mm);
    push_faults_and_memory(s, prev, mm); /* 2 to 6 */
    submit(s);
    return 0;
}

/* signal_deliver(int sig, struct kernel_siginfo *info, struct k_sigaction *ka): delivered to the
 * current thread. The sender's pid is in the siginfo for signals sent by a process or a child. */
SEC("raw_tp/signal_deliver")
int on_signal_deliver(struct bpf_raw_tracepoint_args* ctx) {
    SCHED_SCRATCH_OR_RETURN(s, PPME_SIGNALDELIVER_E);
    int sig = (int)ctx->args[0];
    const void* info = (const void*)ctx->args[1];
    int code = 0, spid = 0;
    if (info) {
        bpf_probe_read_kernel(&code, 4, info + 8);
        if (code <= 0 || sig == 17 /* SIGCHLD */) bpf_probe_read_kernel(&spid, 4, info + 16);
    }
    begin(s, PPME_SIGNALDELIVER_E);
    push_u64(s, spid);                            /* 1 spid */
    push_u64(s, (u32)bpf_get_current_pid_tgid()); /* 2 dpid */
    push_u8(s, sig);                              /* 3 sig */
    submit(s);
    return 0;
}

/* User and group changes: libsinsp keeps each thread's uid and gid (the ids, as u32 each). */
FILLER(fill_setuid_e) { return u32_args_event(ctx, PPME_SYSCALL_SETUID_E); }
FILLER(fill_setuid_x) { return result_only_event(ctx, PPME_SYSCALL_SETUID_X); }
FILLER(fill_setgid_e) { return u32_args_event(ctx, PPME_SYSCALL_SETGID_E); }
FILLER(fill_setgid_x) { return result_only_event(ctx, PPME_SYSCALL_SETGID_X); }
FILLER(fill_setresuid_e) { return u32_args_event(ctx, PPME_SYSCALL_SETRESUID_E); }
FILLER(fill_setresuid_x) { return result_only_event(ctx, PPME_SYSCALL_SETRESUID_X); }
FILLER(fill_setresgid_e) { return u32_args_event(ctx, PPME_SYSCALL_SETRESGID_E); }
FILLER(fill_setresgid_x) { return result_only_event(ctx, PPME_SYSCALL_SETRESGID_X); }
