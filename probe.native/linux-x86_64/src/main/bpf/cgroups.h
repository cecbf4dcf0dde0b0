/* The cgroups parameter of clone and execve exits: "subsystem=path" strings, NUL-terminated, one
 * per cgroup subsystem the task's css_set has, as /proc/PID/cgroup shows them. libsinsp finds a
 * new process's container from them. */
#pragma once

#include "fill.h"

#define CG_SUBSYS_MAX 12 /* subsystems looked at */
#define CG_DEPTH      8  /* path components kept, from the leaf */
#define CG_NAME_MAX                                                                                         \
    256 /* bytes of one component: a kernfs name is at most 255 (a container id is 64, a scope name such as \
           cri-containerd-ID.scope 85) */

static __always_inline struct kernfs_node* kn_parent(struct kernfs_node* kn) {
    if (bpf_core_field_exists(kn->parent)) return BPF_CORE_READ(kn, parent);
    struct kernfs_node___615* n = (void*)kn;
    return (struct kernfs_node*)BPF_CORE_READ(n, __parent);
}

/* Appends one "name=path\0" at s->cur. */
static __always_inline void write_cgroup(struct scratch* s, struct cgroup_subsys_state* css) {
    const char* ss_name = BPF_CORE_READ(css, ss, name);
    struct kernfs_node* kn = BPF_CORE_READ(css, cgroup, kn);
    /* collect the components from the leaf up; the hierarchy's root has no parent and no name */
    s->depth = 0;
    for (int d = 0; d < CG_DEPTH; d++) {
        if (!kn) break;
        struct kernfs_node* up = kn_parent(kn);
        if (!up) break;
        s->names[d] = BPF_CORE_READ(kn, name);
        s->depth = d + 1;
        kn = up;
    }
    long n = bpf_probe_read_kernel_str(&s->buf[s->cur & OFF_MASK], 32, ss_name);
    if (n <= 0) return;
    s->cur += n - 1;
    s->buf[s->cur & OFF_MASK] = '=';
    s->cur += 1;
    if (s->depth == 0) {
        s->buf[s->cur & OFF_MASK] = '/';
        s->cur += 1;
    }
    for (int d = CG_DEPTH - 1; d >= 0; d--) {
        if (d >= s->depth) continue;
        s->buf[s->cur & OFF_MASK] = '/';
        s->cur += 1;
        n = bpf_probe_read_kernel_str(&s->buf[s->cur & OFF_MASK], CG_NAME_MAX, s->names[d]);
        if (n > 1) s->cur += n - 1;
    }
    s->buf[s->cur & OFF_MASK] = 0;
    s->cur += 1;
}

static __always_inline void push_cgroups(struct scratch* s, struct task_struct* t) {
    struct css_set* cs = BPF_CORE_READ(t, cgroups);
    s->cur = s->off;
    if (cs) {
        for (int i = 0; i < CG_SUBSYS_MAX; i++) {
            struct cgroup_subsys_state* css = BPF_CORE_READ(cs, subsys[i]);
            if (css) write_cgroup(s, css);
        }
    }
    done(s, (s->cur - s->off) & 0xfff);
}
