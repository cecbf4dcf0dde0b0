/*
 * Kindling Probe for OSGi - opening a live capture (see live_open.h).
 */
#include "live_open.h"

#include "handles.h"
#include "kernel_events.h"
#include "kindling_shim.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace kindling_probe {
namespace {

/* The kernel module's first device: where it exists, libsinsp can read the module. */
const char* const KERNEL_MODULE_DEVICE = "/dev/scap0";

/* Marks in types[] every event type that some category cell of t lets through, and the enter event
 * of each such exit event. Generic syscalls: both directions into one cell per syscall. */
void mark_types(const filter_table& t, std::vector<uint8_t>* types, std::vector<uint8_t>* generic) {
    for (int32_t type = 0; type < t.ntypes && static_cast<size_t>(type) < types->size(); type++) {
        const uint8_t* cells = t.types.data() + static_cast<size_t>(type) * KP_CATEGORY_CELLS;
        for (int c = 0; c < KP_CATEGORY_CELLS; c++) {
            if (cells[c] != 0) {
                (*types)[type] = 1;
                if (PPME_IS_EXIT(type)) {
                    (*types)[type - 1] = 1;
                }
                break;
            }
        }
    }
    for (int32_t dir = 0; dir < 2 && !t.generic.empty(); dir++) {
        for (int32_t sc = 0; sc < t.nsc && static_cast<size_t>(sc) < generic->size(); sc++) {
            const uint8_t* cells = t.generic.data() + (static_cast<size_t>(dir) * t.nsc + sc) * KP_CATEGORY_CELLS;
            for (int c = 0; c < KP_CATEGORY_CELLS; c++) {
                if (cells[c] != 0) {
                    (*generic)[sc] = 1;
                    break;
                }
            }
        }
    }
}

/* The BPF programs this process holds (loaded) and its BPF links (programs attached). */
/* What the kernel side reads for a session's two filter tables: event types, and generic syscalls by
 * PPM_SC code (live_source.h set_filter). */
struct kernel_switches {
    std::vector<uint8_t> types = std::vector<uint8_t>(PPM_EVENT_MAX, 0);
    std::vector<uint8_t> generic = std::vector<uint8_t>(PPM_SC_MAX, 0);

    kernel_switches(const filter_table& main, const filter_table& threadless) {
        mark_types(main, &types, &generic);
        mark_types(threadless, &types, &generic);
    }
};

std::pair<int, int> bpf_programs() {
    std::pair<int, int> n(0, 0);
    kindling_handles::dir_ptr d(opendir("/proc/self/fd"));
    if (!d) {
        return n;
    }
    while (dirent* e = readdir(d.get())) {
        std::string path = std::string("/proc/self/fd/") + e->d_name;
        char target[64] = {0};
        ssize_t len = readlink(path.c_str(), target, sizeof(target) - 1);
        if (len > 0 && strcmp(target, "anon_inode:bpf-prog") == 0) {
            n.first++;
        } else if (len > 0 && strcmp(target, "anon_inode:bpf_link") == 0) {
            n.second++;
        }
    }
    return n;
}

/* The capture file holds every process's data: a new one is the user's alone (mode 0600); a file that
 * exists keeps the mode its owner gave it. libscap then opens it as it is. */
void create_private_file(const std::string& path) {
    kindling_handles::unique_fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, S_IRUSR | S_IWUSR));
}

}  // namespace

/* libscap maps udig's ring twice, one copy after the other (write-only, shared), and its close
 * unmaps only the first copy: the second one, and with it the deleted shared memory object's pages,
 * would stay in the process for good, 8 MiB per live capture. These are the mappings it made. */
std::vector<udig_mapping> udig_consumer_mappings() {
    std::vector<udig_mapping> out;
    kindling_handles::file_ptr f(fopen("/proc/self/maps", "r"));
    if (!f) {
        return out;
    }
    char line[512];
    while (fgets(line, sizeof(line), f.get()) != nullptr) {
        unsigned long start = 0;
        unsigned long end = 0;
        char perms[8] = {0};
        if (strstr(line, "/udig_buf") == nullptr || sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 ||
            strcmp(perms, "-w-s") != 0) {
            continue;
        }
        out.push_back({static_cast<uintptr_t>(start), static_cast<size_t>(end - start)});
    }
    return out;
}

/* After libsinsp closed: unmaps what is left of the mappings libscap made for its ring. */
void unmap_udig_leftovers(const std::vector<udig_mapping>& made) {
    if (made.empty()) {
        return;
    }
    for (const udig_mapping& now : udig_consumer_mappings()) {
        for (const udig_mapping& m : made) {
            if (now.start == m.start && now.length == m.length) {
                munmap(reinterpret_cast<void*>(m.start), m.length);
            }
        }
    }
}

live_capture::live_capture(std::unique_ptr<kindling_live::machine_lock> lock,
                           std::unique_ptr<kindling_live::source> source)
    : m_lock(std::move(lock)), m_source(std::move(source)) {}

live_capture::~live_capture() {
    stop();
    /* the session closes libsinsp before it lets the live capture go */
    unmap_udig_leftovers(m_udig_mappings);
}

void live_capture::follow_filter(const filter_table& main, const filter_table& threadless) {
    if (!m_source || m_stopped) {
        return;
    }
    kernel_switches on(main, threadless);
    m_source->set_filter(on.types.data(), on.types.size(), on.generic.data(), on.generic.size());
}

void live_capture::prepare(const filter_table& main, const filter_table& threadless) {
    {
        std::lock_guard<std::mutex> lock(m_mu);
        if (!m_source || m_stopped) {
            return;
        }
        kernel_switches on(main, threadless);
        m_source->prepare(on.types.data(), on.types.size(), on.generic.data(), on.generic.size(),
                          kernel_event_mask(main, threadless));
    }
    announce();
}

void live_capture::announce() {
    if (!m_source || m_announced.exchange(true)) {
        return;
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    std::pair<int, int> programs = bpf_programs();
    fprintf(stderr, "capturing: %d programs attached (%d loaded) in %.1f s; %s\n", programs.second, programs.first,
            seconds, m_kept.c_str());
    fflush(stderr);
}

uint32_t live_capture::set_kernel_events(uint32_t mask) {
    if (!m_source || m_stopped) {
        return 0;
    }
    return m_source->set_kernel_events(mask);
}

bool live_capture::set_socket_snaplen(uint32_t bytes) {
    if (!m_source || m_stopped) {
        return false;
    }
    m_source->set_socket_snaplen(bytes);
    return true;
}

size_t live_capture::read_kernel_events(kindling_live::kernel_event* out, size_t max) {
    if (!m_source || m_stopped) {
        return 0;
    }
    return m_source->read_kernel_events(out, max);
}

int32_t live_capture::cpu_of(uint64_t ts, uint64_t tid) {
    return m_source && !m_stopped ? m_source->cpu_of(ts, tid) : -1;
}

void live_capture::stop() {
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_source && !m_stopped) {
        m_source->stop();
        m_final = m_source->read_counters();
        m_stopped = true;
    }
}

kindling_live::counters live_capture::read_counters() const {
    std::lock_guard<std::mutex> lock(m_mu);
    if (!m_source) {
        return kindling_live::counters();
    }
    return m_stopped ? m_final : m_source->read_counters();
}

void open_live(session& s, const live_options& options) {
    auto started = std::chrono::steady_clock::now();
    std::string missing = kindling_live::missing_requirement();
    if (!missing.empty()) {
        if (access(KERNEL_MODULE_DEVICE, F_OK) == 0) {
            /* a host with the kernel module loaded: libsinsp reads it as it always did */
            s.insp->open();
            s.live_source.reset(new live_capture(nullptr, nullptr));
        } else {
            throw live_refused(KP_LIVE_REQUIREMENT, missing);
        }
    } else {
        std::string err;
        std::unique_ptr<kindling_live::machine_lock> lock = kindling_live::lock_machine(&err);
        if (!lock) {
            throw live_refused(KP_LIVE_BUSY, err.empty() ? "another live capture runs on this machine" : err);
        }
        kindling_live::settings settings;
        settings.own_tgid = static_cast<uint32_t>(getpid());
        settings.snaplen = options.snaplen;
        settings.bpf_ring_bytes = options.bpf_ring_bytes;
        /* the programs of the events the first filter asks for load with it (live_capture::prepare) */
        settings.load_on_demand = true;
        /* The programs attach first and their events wait in the BPF ring while open_udig() creates
         * udig's ring and scans /proc into libsinsp's thread and fd tables: a process, thread or fd
         * born after the attach is in the events, one born before it is in the scan. */
        std::unique_ptr<kindling_live::source> source = kindling_live::attach(settings, &err);
        if (!source) {
            throw live_refused(KP_LIVE_FAILED, "cannot start the eBPF source: " + err);
        }
        s.insp->open_udig();
        std::vector<udig_mapping> udig_mappings = udig_consumer_mappings();
        if (!source->deliver(&err)) {
            source->stop();
            s.insp->close();
            unmap_udig_leftovers(udig_mappings);
            throw live_refused(KP_LIVE_FAILED, "cannot start the eBPF source: " + err);
        }
        s.live_source.reset(new live_capture(std::move(lock), std::move(source)));
        s.live_source->keep_udig_mappings(std::move(udig_mappings));
        /* udig has one ring: libsinsp gives every event CPU 0; the source says where each ran */
        s.cpu_from_source = true;
    }
    try {
        s.insp->set_snaplen(options.snaplen);
    } catch (...) {
        /* the eBPF source cuts buffers to the snaplen it was given */
    }
    if (!options.write_path.empty()) {
        s.dumper.reset(new sinsp_dumper(s.insp.get()));
        /* the file's thread and fd tables are libsinsp's own, what this run knows, not one more /proc
         * scan that would know fds and processes whose opening and start the run then reads as events */
        create_private_file(options.write_path);
        s.dumper->open(options.write_path, false, true);
    }
    if (s.live_source->has_source()) {
        /* attached, scanned, writing: from here on only what a running capture needs stays (loading
         * the programs a filter asks for later needs CAP_BPF and CAP_PERFMON, which stay) */
        s.live_source->opened(started, kindling_live::keep_only_needed_capabilities());
    }
}

void capture_statistics(session& s, int64_t* out) {
    for (int i = 0; i < KP_STAT_COUNT; i++) {
        out[i] = 0;
    }
    if (!s.live || !s.insp) {
        return;
    }
    /* the probe's suppression (session.cpp), not libscap's */
    out[KP_STAT_SUPPRESSED] = s.suppressed_events.load(std::memory_order_relaxed);
    scap_stats st = {};
    s.insp->get_capture_stats(&st);
    out[KP_STAT_EVENTS] = static_cast<int64_t>(st.n_evts);
    out[KP_STAT_DROPS] = static_cast<int64_t>(st.n_drops);
    out[KP_STAT_DROPS_BUFFER] = static_cast<int64_t>(st.n_drops_buffer);
    out[KP_STAT_DROPS_PAGE_FAULT] = static_cast<int64_t>(st.n_drops_pf);
    out[KP_STAT_DROPS_BUG] = static_cast<int64_t>(st.n_drops_bug);
    out[KP_STAT_PREEMPTIONS] = static_cast<int64_t>(st.n_preemptions);
    out[KP_STAT_THREADS] = s.sinsp_threads.load(std::memory_order_relaxed);
    if (s.live_source && s.live_source->has_source()) {
        kindling_live::counters c = s.live_source->read_counters();
        out[KP_STAT_SOURCE] = KP_SOURCE_EBPF;
        out[KP_STAT_SOURCE_EVENTS] = static_cast<int64_t>(c.events);
        out[KP_STAT_DROPS_BPF_RING] = static_cast<int64_t>(c.drops_bpf_ring);
        out[KP_STAT_DROPS_UDIG_RING] = static_cast<int64_t>(c.drops_udig_ring);
        out[KP_STAT_DROPS_INVALID] = static_cast<int64_t>(c.drops_invalid);
        out[KP_STAT_FILTERED_OWN] = static_cast<int64_t>(c.filtered_own);
        out[KP_STAT_FILTERED_SYSCALL] = static_cast<int64_t>(c.filtered_syscall);
        out[KP_STAT_KERNEL_EVENTS] = static_cast<int64_t>(c.kernel_events);
        out[KP_STAT_KERNEL_DROPS_BPF_RING] = static_cast<int64_t>(c.kernel_drops_bpf_ring);
        out[KP_STAT_KERNEL_DROPS_QUEUE] = static_cast<int64_t>(c.kernel_drops_queue);
        out[KP_STAT_UDIG_RING_TAMPERED] = static_cast<int64_t>(c.udig_ring_corrupt);
    } else {
        out[KP_STAT_SOURCE] = KP_SOURCE_KERNEL_MODULE;
    }
}

}  // namespace kindling_probe
