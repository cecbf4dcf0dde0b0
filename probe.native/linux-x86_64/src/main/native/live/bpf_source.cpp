// The live source: loads the probe's eBPF object (embedded through its skeleton), routes every
// syscall number to the event types of libscap's own syscall table, attaches the programs and
// runs the producer thread that drains the BPF ring buffer into the udig ring.
#include "live_source.h"
#include "../handles.h"
#include "udig_ring.h"
#include "cpu_list.h"

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <mutex>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <deque>
#include <linux/types.h>

#include <scap.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#include "probe_shared.h"
#include "probe.skel.h"

// libscap's syscall routing tables (driver/syscall_table.c, built into libscap): the event types
// of each syscall number and its PPM_SC code. Using them keeps the probe in step with the
// libsinsp it feeds.
extern "C" {
extern const struct syscall_evt_pair g_syscall_table[];
extern const enum ppm_syscall_code g_syscall_code_routing_table[];
}

namespace kindling_live {

namespace {

using kindling_handles::owned;
using kindling_handles::unique_fd;
using skeleton_ptr = owned<probe_bpf, probe_bpf__destroy>;
using ring_buffer_ptr = owned<ring_buffer, ring_buffer__free>;
using link_ptr = owned<bpf_link, bpf_link__destroy>;

static_assert(PROBE_SYSCALL_TABLE == SYSCALL_TABLE_SIZE, "syscall table size");

constexpr size_t kKernelQueueMax = 1 << 16;

// The kernel TCP programs by kind, in order of preference: the fentry/fexit one (it names the
// kernel function it needs), then the tracepoint one.
struct kernel_prog {
    uint16_t kind;
    bpf_program* prog;
    const char* function;  // nullptr for tracepoints
};

std::vector<kernel_prog> kernel_progs_of(probe_bpf* k) {
    auto& p = k->progs;
    return {
        {KE_TCP_CLOSE, p.ke_tcp_close, "tcp_close"},
        {KE_TCP_CLOSE, p.ke_tcp_close_tp, nullptr},
        {KE_TCP_RCV_ESTABLISHED, p.ke_tcp_rcv_established, "tcp_rcv_established"},
        {KE_TCP_RCV_ESTABLISHED, p.ke_tcp_rcv_established_tp, nullptr},
        {KE_TCP_DROP, p.ke_tcp_drop, "tcp_drop_reason"},
        {KE_TCP_DROP, p.ke_tcp_drop_tp, nullptr},
        {KE_TCP_DROP, p.ke_tcp_drop_tp_no_reason, nullptr},
        {KE_TCP_RETRANSMIT_SKB, p.ke_tcp_retransmit_skb, nullptr},
        {KE_TCP_CONNECT, p.ke_tcp_connect, "tcp_connect"},
        {KE_TCP_CONNECT, p.ke_tcp_connect_tp, nullptr},
        {KE_TCP_SEND_RESET, p.ke_tcp_send_reset, nullptr},
        {KE_TCP_RECEIVE_RESET, p.ke_tcp_receive_reset, nullptr},
        {KE_INET_SOCK_SET_STATE, p.ke_inet_sock_set_state, nullptr},
    };
}

// Whether a program of type (fentry or fexit) can attach to the kernel function whose BTF id is
// given, found by loading and attaching a program that does nothing, as libbpf-tools'
// fentry_can_attach does: a kernel under lockdown refuses them, an older one lacks trampolines.
// Empty when it can; otherwise why not.
std::string tracing_refusal(bpf_attach_type type, int btf_id) {
    const bpf_insn nop[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},  // r0 = 0
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                   // return r0
    };
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type, .attach_btf_id = static_cast<__u32>(btf_id));
    unique_fd prog(bpf_prog_load(BPF_PROG_TYPE_TRACING, "kp_can_attach", "GPL", nop, 2, &opts));
    if (!prog.valid()) return std::string("loading refused: ") + strerror(errno);
    unique_fd link(bpf_raw_tracepoint_open(nullptr, prog.get()));
    return link.valid() ? std::string() : std::string("attaching refused: ") + strerror(errno);
}

// The kernel's answer for each fentry/fexit program's function, asked once per source: empty when
// a program can attach there, otherwise why not.
struct fentry_answers {
    bool asked = false;
    std::vector<std::pair<std::string, std::string>> why;  // function, refusal
    std::string first_refusal;                             // "function: why", empty when none

    void ask(probe_bpf* k) {
        if (asked) return;
        asked = true;
        owned<btf, btf__free> vmlinux(btf__load_vmlinux_btf());
        for (const auto& kp : kernel_progs_of(k)) {
            if (!kp.function) continue;
            int id = vmlinux ? btf__find_by_name_kind(vmlinux.get(), kp.function, BTF_KIND_FUNC) : -1;
            std::string no = id > 0 ? tracing_refusal(bpf_program__expected_attach_type(kp.prog), id)
                                    : std::string("the kernel has no function ") + kp.function;
            why.emplace_back(kp.function, no);
            if (!no.empty() && first_refusal.empty()) first_refusal = std::string(kp.function) + ": " + no;
        }
    }

    bool allows(const char* function) const {
        for (const auto& w : why)
            if (w.first == function) return w.second.empty();
        return false;
    }
};

// Sets which kernel TCP programs of the object load: those of the kinds in mask, fentry/fexit ones
// only where the kernel has their function and lets them attach to it (asked first, so that a
// failed load is always an error). None attaches with the others.
void choose_kernel_progs(probe_bpf* k, uint32_t kinds, fentry_answers* answers) {
    if (kinds) answers->ask(k);
    for (const auto& kp : kernel_progs_of(k)) {
        bpf_program__set_autoattach(kp.prog, false);
        bool wanted = (kinds >> kp.kind) & 1;
        bpf_program__set_autoload(kp.prog, wanted && (!kp.function || answers->allows(kp.function)));
    }
}

// Every kernel TCP event kind.
constexpr uint32_t kAllKernelKinds = ((1u << KE_MAX) - 1) & ~1u;
static_assert(PROBE_EVT_TABLE >= PPM_EVENT_MAX, "event table size");

// libbpf's warnings, kept for the one-line error of a failed start.
thread_local std::string* t_libbpf_log = nullptr;

// KINDLING_LIVE_DEBUG=1 prints libbpf's messages (verifier logs included) on stderr.
int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap) {
    static const bool debug = getenv("KINDLING_LIVE_DEBUG") && std::string(getenv("KINDLING_LIVE_DEBUG")) == "1";
    if (debug) {
        va_list copy;
        va_copy(copy, ap);
        vfprintf(stderr, fmt, copy);
        va_end(copy);
    }
    if (level == LIBBPF_DEBUG || !t_libbpf_log) return 0;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) *t_libbpf_log = s;  // the last message names the cause
    return 0;
}

struct filler_ref {
    uint16_t type;
    bpf_program* prog;
};

// Every filler of the object, by the event type it writes.
std::vector<filler_ref> fillers_of(probe_bpf* k) {
    auto& p = k->progs;
    // two events a line
    // clang-format off
    return {
        {PPME_SYSCALL_READ_E, p.fill_read_e}, {PPME_SYSCALL_READ_X, p.fill_read_x},
        {PPME_SYSCALL_WRITE_E, p.fill_write_e}, {PPME_SYSCALL_WRITE_X, p.fill_write_x},
        {PPME_SYSCALL_PREAD_E, p.fill_pread_e}, {PPME_SYSCALL_PREAD_X, p.fill_pread_x},
        {PPME_SYSCALL_PWRITE_E, p.fill_pwrite_e}, {PPME_SYSCALL_PWRITE_X, p.fill_pwrite_x},
        {PPME_SYSCALL_READV_E, p.fill_readv_e}, {PPME_SYSCALL_READV_X, p.fill_readv_x},
        {PPME_SYSCALL_WRITEV_E, p.fill_writev_e}, {PPME_SYSCALL_WRITEV_X, p.fill_writev_x},
        {PPME_SYSCALL_PREADV_E, p.fill_preadv_e}, {PPME_SYSCALL_PREADV_X, p.fill_preadv_x},
        {PPME_SYSCALL_PWRITEV_E, p.fill_pwritev_e}, {PPME_SYSCALL_PWRITEV_X, p.fill_pwritev_x},
        {PPME_SYSCALL_SENDFILE_E, p.fill_sendfile_e}, {PPME_SYSCALL_SENDFILE_X, p.fill_sendfile_x},
        {PPME_SOCKET_SOCKET_E, p.fill_socket_e}, {PPME_SOCKET_SOCKET_X, p.fill_socket_x},
        {PPME_SOCKET_BIND_E, p.fill_bind_e}, {PPME_SOCKET_BIND_X, p.fill_bind_x},
        {PPME_SOCKET_CONNECT_E, p.fill_connect_e}, {PPME_SOCKET_CONNECT_X, p.fill_connect_x},
        {PPME_SOCKET_LISTEN_E, p.fill_listen_e}, {PPME_SOCKET_LISTEN_X, p.fill_listen_x},
        {PPME_SOCKET_ACCEPT_5_E, p.fill_accept_e}, {PPME_SOCKET_ACCEPT_5_X, p.fill_accept_x},
        {PPME_SOCKET_ACCEPT4_5_E, p.fill_accept4_e}, {PPME_SOCKET_ACCEPT4_5_X, p.fill_accept4_x},
        {PPME_SOCKET_SHUTDOWN_E, p.fill_shutdown_e}, {PPME_SOCKET_SHUTDOWN_X, p.fill_shutdown_x},
        {PPME_SOCKET_SOCKETPAIR_E, p.fill_socketpair_e}, {PPME_SOCKET_SOCKETPAIR_X, p.fill_socketpair_x},
        {PPME_SOCKET_SENDTO_E, p.fill_sendto_e}, {PPME_SOCKET_SENDTO_X, p.fill_sendto_x},
        {PPME_SOCKET_RECVFROM_E, p.fill_recvfrom_e}, {PPME_SOCKET_RECVFROM_X, p.fill_recvfrom_x},
        {PPME_SOCKET_SENDMSG_E, p.fill_sendmsg_e}, {PPME_SOCKET_SENDMSG_X, p.fill_sendmsg_x},
        {PPME_SOCKET_RECVMSG_E, p.fill_recvmsg_e}, {PPME_SOCKET_RECVMSG_X, p.fill_recvmsg_x},
        {PPME_SOCKET_SENDMMSG_E, p.fill_sendmmsg_e}, {PPME_SOCKET_SENDMMSG_X, p.fill_sendmmsg_x},
        {PPME_SOCKET_RECVMMSG_E, p.fill_recvmmsg_e}, {PPME_SOCKET_RECVMMSG_X, p.fill_recvmmsg_x},
        {PPME_SYSCALL_OPEN_E, p.fill_open_e}, {PPME_SYSCALL_OPEN_X, p.fill_open_x},
        {PPME_SYSCALL_CREAT_E, p.fill_creat_e}, {PPME_SYSCALL_CREAT_X, p.fill_creat_x},
        {PPME_SYSCALL_OPENAT_2_E, p.fill_openat_e}, {PPME_SYSCALL_OPENAT_2_X, p.fill_openat_x},
        {PPME_SYSCALL_OPENAT2_E, p.fill_openat2_e}, {PPME_SYSCALL_OPENAT2_X, p.fill_openat2_x},
        {PPME_SYSCALL_CLOSE_E, p.fill_close_e}, {PPME_SYSCALL_CLOSE_X, p.fill_close_x},
        {PPME_SYSCALL_DUP_E, p.fill_dup_e}, {PPME_SYSCALL_DUP_X, p.fill_dup_x},
        {PPME_SYSCALL_PIPE_E, p.fill_pipe_e}, {PPME_SYSCALL_PIPE_X, p.fill_pipe_x},
        {PPME_SYSCALL_EVENTFD_E, p.fill_eventfd_e}, {PPME_SYSCALL_EVENTFD_X, p.fill_eventfd_x},
        {PPME_SYSCALL_FCNTL_E, p.fill_fcntl_e}, {PPME_SYSCALL_FCNTL_X, p.fill_fcntl_x},
        {PPME_SYSCALL_POLL_E, p.fill_poll_e}, {PPME_SYSCALL_POLL_X, p.fill_poll_x},
        {PPME_SYSCALL_PPOLL_E, p.fill_ppoll_e}, {PPME_SYSCALL_PPOLL_X, p.fill_ppoll_x},
        {PPME_SYSCALL_SELECT_E, p.fill_select_e}, {PPME_SYSCALL_SELECT_X, p.fill_select_x},
        {PPME_SYSCALL_EPOLLWAIT_E, p.fill_epoll_wait_e}, {PPME_SYSCALL_EPOLLWAIT_X, p.fill_epoll_wait_x},
        {PPME_SYSCALL_FUTEX_E, p.fill_futex_e}, {PPME_SYSCALL_FUTEX_X, p.fill_futex_x},
        {PPME_SYSCALL_NANOSLEEP_E, p.fill_nanosleep_e}, {PPME_SYSCALL_NANOSLEEP_X, p.fill_nanosleep_x},
        {PPME_SYSCALL_CLONE_20_E, p.fill_clone_e}, {PPME_SYSCALL_CLONE_20_X, p.fill_clone_x},
        {PPME_SYSCALL_FORK_20_E, p.fill_fork_e}, {PPME_SYSCALL_FORK_20_X, p.fill_fork_x},
        {PPME_SYSCALL_VFORK_20_E, p.fill_vfork_e}, {PPME_SYSCALL_VFORK_20_X, p.fill_vfork_x},
        {PPME_SYSCALL_CLONE3_E, p.fill_clone3_e}, {PPME_SYSCALL_CLONE3_X, p.fill_clone3_x},
        {PPME_SYSCALL_EXECVE_19_E, p.fill_execve_e}, {PPME_SYSCALL_EXECVE_19_X, p.fill_execve_x},
        {PPME_SYSCALL_EXECVEAT_E, p.fill_execveat_e}, {PPME_SYSCALL_EXECVEAT_X, p.fill_execveat_x},
        {PPME_SYSCALL_CHDIR_E, p.fill_chdir_e}, {PPME_SYSCALL_CHDIR_X, p.fill_chdir_x},
        {PPME_SYSCALL_FCHDIR_E, p.fill_fchdir_e}, {PPME_SYSCALL_FCHDIR_X, p.fill_fchdir_x},
        {PPME_SYSCALL_CHROOT_E, p.fill_chroot_e}, {PPME_SYSCALL_CHROOT_X, p.fill_chroot_x},
        {PPME_SYSCALL_SIGNALFD_E, p.fill_signalfd_e}, {PPME_SYSCALL_SIGNALFD_X, p.fill_signalfd_x},
        {PPME_SYSCALL_TIMERFD_CREATE_E, p.fill_timerfd_create_e},
        {PPME_SYSCALL_TIMERFD_CREATE_X, p.fill_timerfd_create_x},
        {PPME_SYSCALL_INOTIFY_INIT_E, p.fill_inotify_init_e}, {PPME_SYSCALL_INOTIFY_INIT_X, p.fill_inotify_init_x},
        {PPME_SYSCALL_SETUID_E, p.fill_setuid_e}, {PPME_SYSCALL_SETUID_X, p.fill_setuid_x},
        {PPME_SYSCALL_SETGID_E, p.fill_setgid_e}, {PPME_SYSCALL_SETGID_X, p.fill_setgid_x},
        {PPME_SYSCALL_SETRESUID_E, p.fill_setresuid_e}, {PPME_SYSCALL_SETRESUID_X, p.fill_setresuid_x},
        {PPME_SYSCALL_SETRESGID_E, p.fill_setresgid_e}, {PPME_SYSCALL_SETRESGID_X, p.fill_setresgid_x},
    };
    // clang-format on
}

// CLOCK_REALTIME minus CLOCK_MONOTONIC (bpf_ktime_get_ns), measured between two monotonic reads.
uint64_t boot_to_epoch_ns() {
    timespec m1{}, r{}, m2{};
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_REALTIME, &r);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    auto ns = [](const timespec& t) { return uint64_t(t.tv_sec) * 1000000000ull + uint64_t(t.tv_nsec); };
    return ns(r) - (ns(m1) + ns(m2)) / 2;
}

class bpf_source final : public source {
public:
    ~bpf_source() override { stop(); }

    bool init(const settings& s, std::string* err);
    bool deliver(std::string* err) override;
    void set_filter(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls, size_t nsyscalls) override;
    uint32_t set_kernel_events(uint32_t mask) override;
    void set_socket_snaplen(uint32_t bytes) override;
    size_t read_kernel_events(kernel_event* out, size_t max) override;
    int prepare(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls, size_t nsyscalls,
                uint32_t kernel_mask) override;
    std::string tracing_refusal() const override { return m_fentry.first_refusal; }
    int32_t cpu_of(uint64_t ts, uint64_t tid) override { return m_cpus.find(ts, tid); }
    counters read_counters() const override;
    void stop() override;

private:
    static int on_event(void* ctx, void* data, size_t len);
    static int on_kernel_event(void* ctx, void* data, size_t len);
    void detach_kernel_events();
    uint32_t attach_kernel_events(uint32_t mask);
    int load_missing(const uint8_t* types, size_t ntypes, uint32_t kernel_mask);
    int load_more(const std::vector<uint16_t>& fillers, uint32_t kinds, std::string* err);
    std::vector<kernel_prog> all_kernel_progs();
    bool register_fillers(probe_bpf* k, std::string* err);
    // whether the kernel may read events of this type: no filler needed, or its filler loaded
    bool usable(size_t type) const { return !m_has_filler[type] || m_loaded[type] == kLoaded; }
    static constexpr uint8_t kLoaded = 1, kRefused = 2;
    void run();
    void sync_settings();

    // released by stop() in this order: the kernel TCP programs' links, the ring buffer, the programs
    skeleton_ptr m_skel;               // the first object: it owns the maps
    std::vector<skeleton_ptr> m_more;  // objects loaded later for more programs, on m_skel's maps
    bool m_on_demand = false;
    std::mutex m_load_lock;                  // loading, and the event switches against each other
    uint8_t m_loaded[PROBE_EVT_TABLE] = {};  // event types whose filler is loaded and registered
    uint32_t m_ke_tried = 0;                 // kernel TCP kinds whose programs were loaded (or refused)
    fentry_answers m_fentry;
    ring_buffer_ptr m_rb;
    udig_ring m_udig;
    cpu_list m_cpus{1u << 18};  // the CPU of each event written into udig's ring
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::mutex m_stop_lock;  // serializes stop()
    bool m_stopped = false;
    mutable std::mutex m_counters_lock;  // the stats map against its unloading
    bool m_unloaded = false;
    counters m_final;        // what the counters said when the programs were unloaded
    uint32_t m_ke_told = 0;  // kinds whose refusal was said on stderr
    counters read_live() const;
    uint8_t m_has_filler[PROBE_EVT_TABLE] = {};
    uint8_t m_always[PROBE_EVT_TABLE] = {};
    uint32_t m_consumer_snaplen = 0;
    std::atomic<uint64_t> m_bad_settings{0};  // consumer snaplens past the limit, ignored
    bool m_told_corrupt = false;
    std::atomic<uint64_t> m_written{0};
    std::atomic<uint64_t> m_udig_drops{0};
    int m_stats_fd = -1;
    unsigned m_ncpus = 1;
    // kernel TCP events
    std::mutex m_ke_lock;  // the links
    link_ptr m_ke_links[KE_MAX];
    mutable std::mutex m_queue_lock;  // the queue and its counters
    std::deque<kernel_event> m_queue;
    uint64_t m_ke_read = 0;
    uint64_t m_ke_queue_drops = 0;
};

bool bpf_source::init(const settings& s, std::string* err) {
    std::string log;
    t_libbpf_log = &log;
    libbpf_set_print(libbpf_print);
    // Kernels >= 5.11 charge BPF memory to the cgroup; where the limit cannot be raised the
    // load may still succeed, so a refusal here is not an error.
    rlimit rl{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &rl);

    auto fail = [&](const std::string& what) {
        *err = what + (log.empty() ? std::string() : ": " + log);
        t_libbpf_log = nullptr;
        return false;
    };

    uint32_t ring = s.bpf_ring_bytes;
    if (ring < 4096 || (ring & (ring - 1)) != 0)
        return fail("the BPF ring size must be a power of two of at least 4096 bytes");
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return fail("cannot count the possible CPUs");
    m_skel.reset(probe_bpf__open());
    if (!m_skel) return fail("cannot open the eBPF object");
    bpf_map__set_max_entries(m_skel->maps.events, ring);
    bpf_map__set_max_entries(m_skel->maps.scratch_map, 2u * static_cast<uint32_t>(cpus));
    m_on_demand = s.load_on_demand;
    for (const auto& f : fillers_of(m_skel.get())) m_has_filler[f.type] = 1;

    // Route every syscall: its own events where the table has them and the object has fillers
    // for both, generic events otherwise. Events libsinsp needs for its thread and fd tables stay
    // on. Written into the object's .bss image, which the load copies into the map.
    for (unsigned nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const syscall_evt_pair& p = g_syscall_table[nr];
        sc_entry& e = m_skel->bss->sc_table[nr];
        e.code = static_cast<uint16_t>(g_syscall_code_routing_table[nr]);
        e.flags = static_cast<uint16_t>(p.flags);
        bool own = (p.flags & UF_USED) && p.enter_event_type != PPME_GENERIC_E &&
                   p.enter_event_type < PROBE_EVT_TABLE && p.exit_event_type < PROBE_EVT_TABLE &&
                   m_has_filler[p.enter_event_type] && m_has_filler[p.exit_event_type];
        e.enter = own ? p.enter_event_type : PPME_GENERIC_E;
        e.exit = own ? p.exit_event_type : PPME_GENERIC_X;
        if (own && (p.flags & (UF_NEVER_DROP | UF_SIMPLEDRIVER_KEEP))) {
            m_always[e.enter] = 1;
            m_always[e.exit] = 1;
        }
    }
    m_always[PPME_PROCEXIT_1_E] = 1;
    m_always[PPME_SYSCALL_FCNTL_E] = m_always[PPME_SYSCALL_FCNTL_X] = 1;  // F_DUPFD makes fds

    // What loads now: everything, or (on demand) the dispatchers, the scheduler's programs and the
    // fillers libsinsp's state needs. A kernel under lockdown refuses fentry/fexit programs: then
    // the kernel TCP events come from tracepoints only (asked of the kernel before a load that has
    // them, so that a load that fails is an error).
    for (const auto& f : fillers_of(m_skel.get())) bpf_program__set_autoload(f.prog, !m_on_demand || m_always[f.type]);
    m_ke_tried = m_on_demand ? 0 : kAllKernelKinds;
    choose_kernel_progs(m_skel.get(), m_ke_tried, &m_fentry);
    if (probe_bpf__load(m_skel.get()) != 0) return fail("cannot load the eBPF programs");

    auto* bss = m_skel->bss;
    bss->own_tgid = s.own_tgid ? s.own_tgid : static_cast<uint32_t>(getpid());
    bss->snaplen = s.snaplen < PROBE_SNAPLEN_MAX ? s.snaplen : PROBE_SNAPLEN_MAX;
    bss->boot_to_epoch_ns = boot_to_epoch_ns();
    // the programs lay each event out with the parameter count of libscap's own table
    const ppm_event_info* events = scap_get_event_info_table();
    for (unsigned t = 0; events && t < PPM_EVENT_MAX && t < PROBE_EVT_TABLE; t++)
        bss->evt_nparams[t] = static_cast<uint8_t>(events[t].nparams);
    std::string why;
    if (!register_fillers(m_skel.get(), &why)) return fail("cannot register a filler: " + why);

    // Until a filter is set, everything is read; on demand, what libsinsp's state needs.
    for (size_t i = 0; i < PROBE_EVT_TABLE; i++) bss->evt_on[i] = !m_on_demand || (m_always[i] && usable(i));
    memset(bss->gen_on, m_on_demand ? 0 : 1, sizeof(bss->gen_on));

    if (probe_bpf__attach(m_skel.get())) return fail("cannot attach the eBPF programs");

    m_stats_fd = bpf_map__fd(m_skel->maps.stats);
    int n = libbpf_num_possible_cpus();
    m_ncpus = n > 0 ? static_cast<unsigned>(n) : 1;

    m_rb.reset(ring_buffer__new(bpf_map__fd(m_skel->maps.events), &bpf_source::on_event, this, nullptr));
    if (!m_rb) return fail("cannot open the BPF ring buffer");
    if (ring_buffer__add(m_rb.get(), bpf_map__fd(m_skel->maps.kernel_events), &bpf_source::on_kernel_event, this) != 0)
        return fail("cannot open the kernel events' ring buffer");
    t_libbpf_log = nullptr;
    return true;
}

bool bpf_source::deliver(std::string* err) {
    if (!m_skel || m_thread.joinable()) {
        *err = m_skel ? "the eBPF source already delivers" : "the eBPF source is stopped";
        return false;
    }
    if (!m_udig.open(err)) return false;
    m_consumer_snaplen = m_udig.consumer_snaplen();
    m_thread = std::thread([this] { run(); });
    return true;
}

int bpf_source::on_event(void* ctx, void* data, size_t len) {
    auto* self = static_cast<bpf_source*>(ctx);
    // The programs write the event, then the CPU it ran on (fill.h, submit): udig gets the event,
    // the CPU goes to the list the reader asks (cpu_of).
    ppm_evt_hdr hdr;
    if (len < sizeof(hdr)) return 0;
    memcpy(&hdr, data, sizeof(hdr));
    if (hdr.len + sizeof(uint32_t) <= len) {
        uint32_t cpu;
        memcpy(&cpu, static_cast<const uint8_t*>(data) + hdr.len, sizeof(cpu));
        self->m_cpus.add(hdr.ts, hdr.tid, static_cast<int32_t>(cpu));
        len = hdr.len;
    }
    // A full udig ring is waited for as long as the run goes on: the reader is behind (a sink it
    // waits for, a busy machine), and meanwhile the events wait in the BPF ring, where the kernel
    // counts what no longer fits (drops_bpf_ring). Loss is counted in one place, the kernel's.
    if (self->m_udig.write(data, static_cast<uint32_t>(len), udig_ring::kUntilStopped, self->m_stop))
        self->m_written.fetch_add(1, std::memory_order_relaxed);
    else
        self->m_udig_drops.fetch_add(1, std::memory_order_relaxed);
    return 0;
}

int bpf_source::on_kernel_event(void* ctx, void* data, size_t len) {
    auto* self = static_cast<bpf_source*>(ctx);
    if (len < sizeof(kernel_event)) return 0;
    std::lock_guard<std::mutex> g(self->m_queue_lock);
    if (self->m_queue.size() >= kKernelQueueMax) {
        self->m_ke_queue_drops++;
        return 0;
    }
    kernel_event e;
    memcpy(&e, data, sizeof e);
    self->m_queue.push_back(e);
    return 0;
}

uint32_t bpf_source::set_kernel_events(uint32_t mask) {
    if (!m_skel) return 0;
    {
        std::lock_guard<std::mutex> l(m_load_lock);
        load_missing(nullptr, 0, mask);
    }
    std::lock_guard<std::mutex> g(m_ke_lock);
    return attach_kernel_events(mask);
}

void bpf_source::set_socket_snaplen(uint32_t bytes) {
    // the programs read it on every I/O call's exit (fill.h, data_snaplen)
    if (m_skel) m_skel->bss->socket_snaplen = bytes < PROBE_SNAPLEN_MAX ? bytes : PROBE_SNAPLEN_MAX;
}

// The links follow mask: m_ke_lock held.
uint32_t bpf_source::attach_kernel_events(uint32_t mask) {
    uint32_t attached = 0;
    std::string refusals[KE_MAX];
    for (const auto& k : all_kernel_progs()) {
        bool want = (mask >> k.kind) & 1;
        link_ptr& link = m_ke_links[k.kind];
        // the first program of a kind that loaded and attaches serves it
        if (want && !link && bpf_program__fd(k.prog) >= 0) {
            bpf_link* l = bpf_program__attach(k.prog);
            if (l && !libbpf_get_error(l))
                link.reset(l);
            else
                refusals[k.kind] = std::string(bpf_program__name(k.prog)) + ": " + strerror(errno);
        } else if (!want && link) {
            link.reset();
        }
        if (link) attached |= 1u << k.kind;
    }
    // A kind asked for that no program of it serves is said once, with the kernel's answer for
    // each program tried (tcp_drop's needs the drop reason of kfree_skb, from Linux 5.17 on).
    for (uint16_t kind = 1; kind < KE_MAX; kind++) {
        uint32_t bit = 1u << kind;
        if (!(mask & bit) || (attached & bit) || (m_ke_told & bit)) continue;
        m_ke_told |= bit;
        fprintf(stderr, "kindling live: %s is not traced on this kernel (%s)%s%s\n", kernel_event_name(kind),
                refusals[kind].empty() ? "no program of it loaded" : refusals[kind].c_str(),
                m_fentry.first_refusal.empty() ? "" : "; fentry/fexit unused: ", m_fentry.first_refusal.c_str());
    }
    return attached;
}

std::vector<kernel_prog> bpf_source::all_kernel_progs() {
    std::lock_guard<std::mutex> l(m_load_lock);
    std::vector<kernel_prog> all = kernel_progs_of(m_skel.get());
    for (const auto& more : m_more) {
        std::vector<kernel_prog> its = kernel_progs_of(more.get());
        all.insert(all.end(), its.begin(), its.end());
    }
    return all;
}

// Puts each loaded filler of k into the tail-call table of its event type.
bool bpf_source::register_fillers(probe_bpf* k, std::string* err) {
    int fillers_fd = bpf_map__fd(m_skel->maps.fillers);
    for (const auto& f : fillers_of(k)) {
        uint32_t key = f.type;
        int fd = bpf_program__fd(f.prog);
        if (fd < 0) continue;
        if (bpf_map_update_elem(fillers_fd, &key, &fd, BPF_ANY) != 0) {
            *err = strerror(errno);
            return false;
        }
        m_loaded[f.type] = kLoaded;
    }
    return true;
}

// Loads a further object with only the given fillers and the kernel TCP programs of kinds, on the
// first object's maps (reused, not made anew: the .bss with its routing, the rings, the counters and
// the tail-call table stay one), and registers its fillers. Returns the programs loaded, -1 and
// *err set when the kernel refused. m_load_lock held.
int bpf_source::load_more(const std::vector<uint16_t>& fillers, uint32_t kinds, std::string* err) {
    std::string log;
    t_libbpf_log = &log;
    skeleton_ptr more(probe_bpf__open());
    auto fail = [&](const std::string& what) {
        *err = what + (log.empty() ? std::string() : ": " + log);
        t_libbpf_log = nullptr;
        return -1;
    };
    if (!more) return fail("cannot open the eBPF object");
    bpf_map* map;
    bpf_object__for_each_map(map, more->obj) {
        bpf_map* own = bpf_object__find_map_by_name(m_skel->obj, bpf_map__name(map));
        if (!own || bpf_map__reuse_fd(map, bpf_map__fd(own)) != 0)
            return fail(std::string("cannot share the map ") + bpf_map__name(map));
    }
    bpf_program* prog;
    bpf_object__for_each_program(prog, more->obj) bpf_program__set_autoload(prog, false);
    uint8_t wanted[PROBE_EVT_TABLE] = {};
    for (uint16_t t : fillers) wanted[t] = 1;
    int n = 0;
    for (const auto& f : fillers_of(more.get())) {
        bpf_program__set_autoload(f.prog, wanted[f.type] != 0);
        n += wanted[f.type];
    }
    choose_kernel_progs(more.get(), kinds, &m_fentry);
    for (const auto& kp : kernel_progs_of(more.get())) n += bpf_program__autoload(kp.prog) ? 1 : 0;
    if (probe_bpf__load(more.get()) != 0) return fail("the kernel refused them");
    std::string why;
    if (!register_fillers(more.get(), &why)) return fail("cannot register a filler: " + why);
    t_libbpf_log = nullptr;
    m_more.push_back(std::move(more));
    return n;
}

// On demand: loads, in one object, the fillers of the types asked for that are not loaded yet and
// the kernel TCP programs of the kinds in kernel_mask not tried yet. What the kernel refuses is said
// once and not tried again. Returns the programs loaded. m_load_lock held.
int bpf_source::load_missing(const uint8_t* types, size_t ntypes, uint32_t kernel_mask) {
    std::vector<uint16_t> missing;
    for (size_t i = 0; m_on_demand && types && i < ntypes && i < PROBE_EVT_TABLE; i++)
        if (types[i] && m_has_filler[i] && m_loaded[i] == 0) missing.push_back(static_cast<uint16_t>(i));
    uint32_t kinds = kernel_mask & kAllKernelKinds & ~m_ke_tried;
    if (missing.empty() && !kinds) return 0;
    m_ke_tried |= kinds;
    std::string err;
    int n = load_more(missing, kinds, &err);
    if (n >= 0) return n;
    for (uint16_t t : missing) m_loaded[t] = kRefused;
    fprintf(stderr, "kindling live: the programs of %zu event types%s cannot load, these events are not read: %s\n",
            missing.size(), kinds ? " and of the kernel TCP events" : "", err.c_str());
    return 0;
}

int bpf_source::prepare(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls, size_t nsyscalls,
                        uint32_t kernel_mask) {
    if (!m_skel) return 0;
    int loaded;
    {
        std::lock_guard<std::mutex> l(m_load_lock);
        loaded = load_missing(types, ntypes, kernel_mask);
        auto* bss = m_skel->bss;
        for (size_t i = 0; types && i < ntypes && i < PROBE_EVT_TABLE; i++)
            if (types[i] && usable(i)) __atomic_store_n(&bss->evt_on[i], 1, __ATOMIC_RELAXED);
        for (size_t nr = 0; generic_syscalls && nr < PROBE_SYSCALL_TABLE; nr++) {
            size_t code = bss->sc_table[nr].code;
            if (code < nsyscalls && generic_syscalls[code]) __atomic_store_n(&bss->gen_on[nr], 1, __ATOMIC_RELAXED);
        }
    }
    std::lock_guard<std::mutex> g(m_ke_lock);
    uint32_t now = 0;
    for (uint16_t kind = 1; kind < KE_MAX; kind++)
        if (m_ke_links[kind]) now |= 1u << kind;
    attach_kernel_events(now | kernel_mask);
    return loaded;
}

void bpf_source::detach_kernel_events() {
    std::lock_guard<std::mutex> g(m_ke_lock);
    for (auto& link : m_ke_links) link.reset();
}

size_t bpf_source::read_kernel_events(kernel_event* out, size_t max) {
    std::lock_guard<std::mutex> g(m_queue_lock);
    size_t n = 0;
    while (n < max && !m_queue.empty()) {
        out[n++] = m_queue.front();
        m_queue.pop_front();
    }
    m_ke_read += n;
    return n;
}

void bpf_source::sync_settings() {
    // sinsp::set_snaplen() reaches the udig consumer settings; follow it when it changes. The
    // settings are in shared memory anyone with access to it can write: a snaplen past the
    // probe's limit is ignored and counted once per value.
    uint32_t c = m_udig.consumer_snaplen();
    if (c != 0 && c != m_consumer_snaplen) {
        m_consumer_snaplen = c;
        if (c <= PROBE_SNAPLEN_MAX) {
            m_skel->bss->snaplen = c;
        } else {
            m_bad_settings.fetch_add(1, std::memory_order_relaxed);
            fprintf(stderr,
                    "kindling live: the udig ring's consumer asks for a snaplen of %u bytes, past the "
                    "probe's limit of %u: ignored\n",
                    c, static_cast<unsigned>(PROBE_SNAPLEN_MAX));
        }
    }
    uint64_t corrupt = m_udig.corrupt();
    if (corrupt && !m_told_corrupt) {
        m_told_corrupt = true;
        fprintf(stderr,
                "kindling live: the udig ring's head or tail is out of range (its shared memory was "
                "written by another process): events are dropped while it stays so\n");
    }
    counters k = read_counters();
    m_udig.publish(k.events + k.drops_bpf_ring + k.drops_udig_ring + k.drops_invalid,
                   k.drops_bpf_ring + k.drops_udig_ring, k.drops_invalid);
}

void bpf_source::run() {
    // Each wake-up drains the ring; after a small batch the thread waits 1 ms so that events
    // arrive in batches: far fewer wake-ups and system calls at high rates, at most 1 ms more
    // latency. Settings and counters are synchronized ten times a second.
    auto next_sync = std::chrono::steady_clock::now();
    while (!m_stop.load(std::memory_order_relaxed)) {
        int n = ring_buffer__poll(m_rb.get(), 100);
        if (n < 0 && n != -EINTR) break;
        auto now = std::chrono::steady_clock::now();
        if (now >= next_sync) {
            sync_settings();
            next_sync = now + std::chrono::milliseconds(100);
        }
        if (n >= 0 && n < 8192) usleep(1000);
    }
    // The programs are detached by now: hand on what is still in the ring.
    ring_buffer__consume(m_rb.get());
    sync_settings();
}

void bpf_source::set_filter(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls, size_t nsyscalls) {
    if (!m_skel) return;
    std::lock_guard<std::mutex> l(m_load_lock);
    load_missing(types, ntypes, 0);
    auto* bss = m_skel->bss;
    for (size_t i = 0; i < PROBE_EVT_TABLE; i++) {
        bool on = ((types && i < ntypes && types[i]) || m_always[i]) && usable(i);
        __atomic_store_n(&bss->evt_on[i], on ? 1 : 0, __ATOMIC_RELAXED);
    }
    // generic_syscalls is indexed by the PPM_SC code libsinsp shows as the generic event's ID;
    // the programs look syscalls up by their number.
    for (size_t nr = 0; nr < PROBE_SYSCALL_TABLE; nr++) {
        size_t code = bss->sc_table[nr].code;
        bool on = generic_syscalls && code < nsyscalls && generic_syscalls[code];
        __atomic_store_n(&bss->gen_on[nr], on ? 1 : 0, __ATOMIC_RELAXED);
    }
}

counters bpf_source::read_counters() const {
    std::lock_guard<std::mutex> g(m_counters_lock);
    if (m_unloaded) return m_final;
    return read_live();
}

counters bpf_source::read_live() const {
    counters c;
    c.events = m_written.load(std::memory_order_relaxed);
    c.drops_udig_ring = m_udig_drops.load(std::memory_order_relaxed);
    c.udig_ring_corrupt = m_udig.corrupt() + m_bad_settings.load(std::memory_order_relaxed);
    if (m_stats_fd < 0) return c;
    std::vector<uint64_t> v(m_ncpus);
    uint64_t sum[STAT_MAX] = {};
    for (uint32_t k = 0; k < STAT_MAX; k++) {
        if (bpf_map_lookup_elem(m_stats_fd, &k, v.data()) != 0) continue;
        for (uint64_t x : v) sum[k] += x;
    }
    c.drops_bpf_ring = sum[STAT_DROP_RING];
    c.drops_invalid = sum[STAT_DROP_INVALID];
    c.filtered_own = sum[STAT_FILTERED_OWN];
    c.filtered_syscall = sum[STAT_FILTERED_SC];
    c.kernel_drops_bpf_ring = sum[STAT_KE_DROP_RING];
    std::lock_guard<std::mutex> g(m_queue_lock);
    c.kernel_events = m_ke_read;
    c.kernel_drops_queue = m_ke_queue_drops;
    return c;
}

void bpf_source::stop() {
    std::lock_guard<std::mutex> g(m_stop_lock);
    if (m_stopped) return;
    m_stopped = true;
    detach_kernel_events();
    if (m_skel) probe_bpf__detach(m_skel.get());
    m_stop.store(true);
    if (m_thread.joinable()) m_thread.join();
    m_rb.reset();
    {
        std::lock_guard<std::mutex> c(m_counters_lock);
        m_final = read_live();
        m_unloaded = true;
        m_stats_fd = -1;
    }
    m_more.clear();
    m_skel.reset();
}

}  // namespace

const char* kernel_event_name(uint16_t kind) {
    switch (kind) {
#define KE_NAME_CASE(n, id, cname, name, what) \
    case id: return name;
        KERNEL_EVENT_KINDS(KE_NAME_CASE)
#undef KE_NAME_CASE
    default: return nullptr;
    }
}

std::unique_ptr<source> attach(const settings& s, std::string* err) {
    auto src = std::make_unique<bpf_source>();
    if (!src->init(s, err)) {
        src->stop();
        return nullptr;
    }
    return src;
}

std::unique_ptr<source> start(const settings& s, std::string* err) {
    std::unique_ptr<source> src = attach(s, err);
    if (src && !src->deliver(err)) {
        src->stop();
        return nullptr;
    }
    return src;
}

}  // namespace kindling_live
