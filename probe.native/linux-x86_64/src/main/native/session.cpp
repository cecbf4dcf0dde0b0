/*
 * Kindling Probe for OSGi - the reading session (see session.h): libsinsp's next event, the
 * Kindling probe's drop rules in its order, the filter table, then the batch writer.
 */
#include "session.h"

#include "batch_writer.h"
#include "classify.h"
#include "live_open.h"
#include "shim_util.h"

#include <cstring>
#include <exception>
#include <stdexcept>

namespace kindling_probe {

/* A capture file may produce timeouts too; after this many in a row the batch returns
 * with status 2 instead of spinning. */
const int MAX_CONSECUTIVE_FILE_TIMEOUTS = 1000;

/* A batch that holds events ends once this many events were read for it, full or not: with
 * selective subscriptions the events read so far reach Java within milliseconds instead of
 * waiting for the batch to fill (the benchmark baseline, kp_count_rest, is not cut). */
const uint32_t MAX_READ_PER_BATCH = 32768;

session::session() {
    for (auto& c : counters) {
        c.store(0);
    }
}

session::~session() {
    try {
        if (dumper) {
            dumper->close();
            dumper.reset();
        }
        if (live_source) {
            live_source->stop();
        }
        if (insp) {
            insp->close();
        }
        insp.reset();
        live_source.reset();
    } catch (...) {
        /* nothing sensible to do while closing */
    }
}

namespace {

inline void count_copied(session& h, sinsp_threadinfo* tinfo, bool params_cut) {
    h.bump(KP_CNT_COPIED);
    if (tinfo == nullptr) {
        h.bump(KP_CNT_COPIED_NO_THREAD);
    }
    if (params_cut) {
        h.bump(KP_CNT_PARAMS_CUT);
    }
}

/* Applies the Kindling probe's drop rules in its order, then the filter table. Returns true when
 * the event survives; then *tinfo_out and *kcat_out are set. Counts the drop otherwise.
 * An event without thread information survives, with *tinfo_out null, only when its cell
 * of the threadless table is set (it then skips the main filter table): the converters
 * that need such events see them; sinks never do. */
bool survives(session& h, sinsp_evt* ev, sinsp_threadinfo** tinfo_out, uint16_t* kcat_out) {
    ppm_event_category category = ev->get_category();
    if (!h.insp->is_debug_enabled() && (category & EC_INTERNAL)) {
        h.bump(KP_CNT_DROP_INTERNAL);
        return false;
    }

    /* Own process: the pid comes from the thread info; without it the event's tid is
     * compared (the main thread's tid is the pid), before the "no thread info" rule. */
    sinsp_threadinfo* tinfo = ev->get_thread_info();
    int64_t pid = tinfo != nullptr ? tinfo->m_pid : ev->get_tid();
    if (pid == h.own_pid.load(std::memory_order_relaxed)) {
        h.bump(KP_CNT_DROP_OWN_PID);
        return false;
    }
    bool threadless = false;
    if (tinfo == nullptr) {
        const filter_table& t = h.active_threadless;
        uint16_t ttype = ev->get_type();
        threadless =
            ttype < t.ntypes && t.types[static_cast<size_t>(ttype) * KP_CATEGORY_CELLS + kindling_category_of(ev)] != 0;
        if (!threadless) {
            h.bump(KP_CNT_DROP_NO_THREAD);
            return false;
        }
    }

    if (category & EC_IO_BASE) {
        const sinsp_evt_param* res = ev->get_param_value_raw("res");
        int64_t value;
        if (res != nullptr && res->m_val != nullptr && read_signed(res, &value) && value <= 0) {
            h.bump(KP_CNT_DROP_IO_RES);
            return false;
        }
    }

    uint16_t kcat = kindling_category_of(ev);
    if (threadless) {
        *tinfo_out = nullptr;
        *kcat_out = kcat;
        return true;
    }
    uint16_t type = ev->get_type();
    const filter_table& f = h.active;
    bool pass = type < f.ntypes && f.types[static_cast<size_t>(type) * KP_CATEGORY_CELLS + kcat] != 0;
    if (pass && (type == PPME_GENERIC_E || type == PPME_GENERIC_X)) {
        uint16_t sc = generic_sc_of(ev);
        size_t dir = type == PPME_GENERIC_E ? 0 : 1;
        pass = sc < f.nsc && f.generic[(dir * static_cast<size_t>(f.nsc) + sc) * KP_CATEGORY_CELLS + kcat] != 0;
    }
    if (!pass) {
        h.bump(KP_CNT_DROP_UNSUBSCRIBED);
        return false;
    }
    *tinfo_out = tinfo;
    *kcat_out = kcat;
    return true;
}

/* Whether the event's thread runs a suppressed command. A context switch is kept whoever leaves the
 * CPU: it also says which thread runs next there (the cpu converter follows each CPU by them). */
inline bool suppressed(session& h, sinsp_evt* ev) {
    if (h.suppressed_comms.empty() || ev->get_type() == PPME_SCHEDSWITCH_6_E) {
        return false;
    }
    return runs_suppressed_command(h, ev->get_thread_info());
}

void install_staged_filter(session& h) {
    std::lock_guard<std::mutex> lock(h.staged_mu);
    bool changed = h.staged_dirty || h.staged_threadless_dirty;
    if (h.staged_dirty) {
        h.active = std::move(h.staged);
        h.staged = filter_table();
        h.staged_dirty = false;
    }
    if (h.staged_threadless_dirty) {
        h.active_threadless = std::move(h.staged_threadless);
        h.staged_threadless = filter_table();
        h.staged_threadless_dirty = false;
    }
    if (changed && h.live_source) {
        /* the kernel side follows at the same batch boundary, kernel TCP programs included */
        h.live_source->follow_filter(h.active, h.active_threadless);
        h.kernel.mask = h.live_source->set_kernel_events(kernel_event_mask(h.active, h.active_threadless));
    }
}

/* Throws before sinsp::next would parse the first structurally unsafe event of a capture
 * file. sinsp::next parses the event with index get_num_events() (the first call after
 * open parses the one before it, already read by open), so stopping when the count
 * reaches the bad index never lets libsinsp parse it. */
void guard_corrupt_event(session& h) {
    if (h.first_bad_event >= 0 && h.insp->get_num_events() >= static_cast<uint64_t>(h.first_bad_event)) {
        throw std::runtime_error("corrupt capture file: event #" + std::to_string(h.first_bad_event + 1) +
                                 " is unsafe to parse (" + h.bad_event_reason + "); reading stopped before it");
    }
}

/* Sets libsinsp's short thread purge interval once the events have run THREAD_PURGE_AFTER_S seconds
 * past the first, after libsinsp's own first scan, 30 s in (session.h). */
void set_purge_interval_when_due(session& h, uint64_t ts) {
    if (h.first_event_ts == 0) {
        h.first_event_ts = ts;
    }
    if (ts >= h.first_event_ts + THREAD_PURGE_AFTER_S * 1000000000ull) {
        h.insp->set_thread_purge_interval_s(THREAD_PURGE_INTERVAL_S);
        h.purge_interval_set = true;
    }
}

}  // namespace

/* Whether the thread runs a suppressed command. A thread's command is the name of the program it runs
 * (libsinsp's m_comm: set at execve, inherited by clone): so a suppressed name covers the daemon, its
 * threads and its children that have not executed a program of another name, never a program such a
 * child executes (a container's first process, a shell the daemon starts). libscap's own suppression
 * (suppress_events_comm) is not used: it follows the parent's tid at execve too, so everything a
 * suppressed daemon starts, containers included, stayed suppressed. */
bool runs_suppressed_command(const session& h, const sinsp_threadinfo* tinfo) {
    if (tinfo == nullptr) {
        return false;
    }
    for (const std::string& comm : h.suppressed_comms) {
        if (tinfo->m_comm == comm) {
            return true;
        }
    }
    return false;
}

int32_t next_batch(session& h, uint8_t* buf, size_t cap, int32_t max_events) {
    install_staged_filter(h);
    if (h.insp && h.insp->m_thread_manager != nullptr) {
        h.sinsp_threads.store(static_cast<int64_t>(h.insp->m_thread_manager->get_thread_count()),
                              std::memory_order_relaxed);
    }
    if (h.live_source) {
        h.live_source->announce(); /* once: when no filter was staged before the first batch */
    }
    std::memset(buf, 0, KP_BATCH_HEADER_SIZE);
    if (h.failed) {
        return -1;
    }

    uint32_t count = 0;
    size_t off = KP_BATCH_HEADER_SIZE;
    int32_t status = KP_STATUS_MORE;
    auto full = [&]() { return max_events > 0 && count >= static_cast<uint32_t>(max_events); };

    /* Live: the kernel TCP events queued up to a time go first (kernel_events.h); false when the
     * batch is full, or (count 0) when one of them cannot fit even an empty batch. */
    bool too_big = false;
    auto kernel_before = [&](uint64_t ts) {
        return !h.live_source || h.count_only ||
               merge_kernel_events(h, ts, buf, cap, &off, &count, max_events, &too_big);
    };

    try {
        if (h.live_source) {
            pull_kernel_events(h);
        }
        if (h.pending != nullptr && !full() && !kernel_before(h.pending->get_ts())) {
            if (too_big) {
                return -1;
            }
            write_header(buf, count, static_cast<uint32_t>(off), KP_STATUS_MORE);
            return static_cast<int32_t>(count);
        }
        if (h.pending != nullptr && !full()) {
            sinsp_evt* ev = h.pending;
            /* null when it passed through the threadless filter */
            sinsp_threadinfo* tinfo = ev->get_thread_info();
            size_t needed = 0;
            uint16_t kcat = kindling_category_of(ev);
            bool cut = false;
            if (place(ev, tinfo, extras_of(tinfo, h.container_slot), kcat, true, buf, cap, &off, &needed, &cut,
                      h.pending_cpu) == place_result::NO_ROOM) {
                h.set_error(too_small_message(cap, needed));
                return -1;
            }
            count_copied(h, tinfo, cut);
            h.pending = nullptr;
            count++;
        }

        int consecutive_timeouts = 0;
        uint32_t read_here = 0;
        while (!full()) {
            if (count > 0 && read_here >= MAX_READ_PER_BATCH && !h.count_only) {
                break;
            }
            if (h.eof) {
                status = KP_STATUS_EOF;
                break;
            }
            guard_corrupt_event(h);
            sinsp_evt* ev = nullptr;
            int32_t res = h.insp->next(&ev);
            if (res == SCAP_TIMEOUT) {
                h.bump(KP_CNT_TIMEOUTS);
                /* nothing from libsinsp: the kernel events queued until a few ms ago are due (a syscall event
                 * written before them may still be on its way through udig's ring) */
                if (!kernel_before(kernel_events_due())) {
                    if (too_big) {
                        return -1;
                    }
                    break;
                }
                if (h.live || ++consecutive_timeouts >= MAX_CONSECUTIVE_FILE_TIMEOUTS) {
                    status = count == 0 ? KP_STATUS_TIMEOUT : KP_STATUS_MORE;
                    break;
                }
                continue;
            }
            if (res == SCAP_EOF) {
                h.eof = true;
                status = KP_STATUS_EOF;
                break;
            }
            if (res != SCAP_SUCCESS || ev == nullptr) {
                std::string detail = h.insp->getlasterr();
                throw std::runtime_error("sinsp::next returned " + std::to_string(res) +
                                         (detail.empty() ? std::string() : ": " + detail));
            }
            consecutive_timeouts = 0;
            read_here++;
            /* asked for every event read, so that the source's list of CPUs stays in step with libsinsp */
            int32_t cpu = h.cpu_from_source ? h.live_source->cpu_of(ev->get_ts(), ev->get_tid()) : ev->get_cpuid();
            if (h.dumper) {
                /* --write: what libsinsp read, before the drop rules and the suppression */
                h.dumper->dump(ev);
            }
            if (h.live_source && ++h.kernel.reads_since_pull >= KERNEL_PULL_EVERY) {
                pull_kernel_events(h);
            }

            if (suppressed(h, ev)) {
                /* as libscap's suppression did: neither read nor dropped (capture statistics: suppressed) */
                h.suppressed_events.store(h.suppressed_events.load(std::memory_order_relaxed) + 1,
                                          std::memory_order_relaxed);
                continue;
            }
            h.bump(KP_CNT_READ);
            if (!h.purge_interval_set) {
                set_purge_interval_when_due(h, ev->get_ts());
            }

            sinsp_threadinfo* tinfo = nullptr;
            uint16_t kcat = 0;
            if (!survives(h, ev, &tinfo, &kcat)) {
                continue;
            }
            if (!kernel_before(ev->get_ts())) {
                if (too_big) {
                    return -1;
                }
                /* the batch is full: ev goes first into the next one, after the kernel events before it */
                h.pending = ev;
                h.pending_cpu = cpu;
                break;
            }
            if (h.count_only) {
                /* benchmark baseline: what survives is counted, nothing is copied */
                h.bump(KP_CNT_COPIED);
                if (tinfo == nullptr) {
                    h.bump(KP_CNT_COPIED_NO_THREAD);
                }
                count++;
                continue;
            }
            size_t needed = 0;
            bool cut = false;
            if (place(ev, tinfo, extras_of(tinfo, h.container_slot), kcat, count == 0, buf, cap, &off, &needed, &cut,
                      cpu) == place_result::NO_ROOM) {
                /* sinsp keeps the event valid until the next sinsp::next */
                h.pending = ev;
                h.pending_cpu = cpu;
                if (count == 0) {
                    h.set_error(too_small_message(cap, needed));
                    return -1;
                }
                break;
            }
            count_copied(h, tinfo, cut);
            count++;
        }
    } catch (const std::exception& e) {
        h.failed = true;
        const char* what = e.what();
        h.set_error("", what != nullptr && what[0] != '\0' ? what : "libsinsp threw an exception");
        h.pending = nullptr;
        if (count == 0) {
            return -1;
        }
        status = KP_STATUS_MORE;
    } catch (...) {
        h.failed = true;
        h.set_error("", "unknown exception while reading events");
        h.pending = nullptr;
        if (count == 0) {
            return -1;
        }
        status = KP_STATUS_MORE;
    }

    write_header(buf, count, static_cast<uint32_t>(off), status);
    return static_cast<int32_t>(count);
}

int64_t count_rest(session& h) {
    h.count_only = true;
    uint8_t header[KP_BATCH_HEADER_SIZE];
    int64_t total = 0;
    while (true) {
        int32_t n = next_batch(h, header, sizeof(header), 1 << 30);
        if (n < 0) {
            h.count_only = false;
            return -1;
        }
        total += n;
        int32_t status;
        std::memcpy(&status, header + 8, sizeof(status));
        if (status == KP_STATUS_EOF || (status == KP_STATUS_TIMEOUT && h.live)) {
            break;
        }
    }
    h.count_only = false;
    return total;
}

}  // namespace kindling_probe
