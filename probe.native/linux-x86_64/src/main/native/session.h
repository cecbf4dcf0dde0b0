/*
 * Kindling Probe for OSGi - the reading session: one libsinsp inspector, the Kindling probe's
 * drop rules and the filter table pushed down by Java, read one batch at a time.
 */
#ifndef KINDLING_SESSION_H
#define KINDLING_SESSION_H

#include "kernel_events.h"
#include "kindling_shim.h"

#include <sinsp.h>
#include <dumper.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kindling_probe {

class live_capture;

/* Process names suppressed at most, as libscap's own limit was (SCAP_MAX_SUPPRESSED_COMMS). */
const size_t MAX_SUPPRESSED_COMMS = 32;

/* How often libsinsp scans its thread table for threads that ended, in seconds, from
 * THREAD_PURGE_AFTER_S seconds of events on (session.cpp). Set at the start, it makes libsinsp's first
 * scan run at once, and that scan was seen to forget threads of the /proc scan that were idle then (a
 * shell blocked since before the capture had its writes delivered with no name, user or file); with its
 * own interval libsinsp scans first 30 s in, and the shorter interval takes over after that scan. */
const uint32_t THREAD_PURGE_INTERVAL_S = 10;
const uint64_t THREAD_PURGE_AFTER_S = 31;

/* The [event type][Kindling category] table of events that pass (the Kindling probe's event_filters),
 * and the same per generic syscall (PPM_SC_* code), enter and exit. */
struct filter_table {
    std::vector<uint8_t> types;    // ntypes * 16
    std::vector<uint8_t> generic;  // 2 * nsc * 16
    int32_t ntypes = 0;
    int32_t nsc = 0;
};

struct session {
    std::unique_ptr<sinsp> insp;
    bool live = false;
    /* udig gives every event CPU 0: the eBPF source tells the CPU of each event it wrote (cpu_of). */
    bool cpu_from_source = false;
    /* Live captures: the machine lock and the eBPF source (live_open.h). */
    std::unique_ptr<live_capture> live_source;
    /* Set by --write: every event libsinsp returns is written to a capture file. */
    std::unique_ptr<sinsp_dumper> dumper;

    /* Capture files: index of the first event that libsinsp must not parse (-1: none). */
    int64_t first_bad_event = -1;
    std::string bad_event_reason;

    std::atomic<int64_t> own_pid{0};

    /* libsinsp's private thread state where the probe keeps each thread's container id (container_id.h) */
    int64_t container_slot = -1;

    /* Process names whose threads' events are not delivered (kp_suppress_comm), and how many were not:
     * a thread is suppressed while its command is one of them (used under io_mu). */
    std::vector<std::string> suppressed_comms;
    std::atomic<int64_t> suppressed_events{0};
    /* libsinsp's thread table size, taken by the reading thread after each batch (capture statistics) */
    std::atomic<int64_t> sinsp_threads{0};

    /* Set by kp_count_rest: read to the end applying drop rules and filter, copy nothing. */
    bool count_only = false;
    /* The first event's time, and whether the short thread purge interval is set (session.cpp). */
    uint64_t first_event_ts = 0;
    bool purge_interval_set = false;
    std::atomic<int64_t> counters[KP_CNT_COUNT];

    /* Counts one event. Only the thread reading events (under io_mu) writes the counters, so a
     * relaxed load and store suffice; a locked increment here would also wait, per event, for
     * the record just written to the batch to leave the store buffer. */
    inline void bump(kp_counter c) {
        counters[c].store(counters[c].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    /* Filter staged by kp_set_filter, installed at the start of the next batch. */
    std::mutex staged_mu;
    bool staged_dirty = false;
    filter_table staged;
    /* Threadless filter staged by kp_set_threadless_filter (types only), same rule. */
    bool staged_threadless_dirty = false;
    filter_table staged_threadless;

    /* Everything below is used only under io_mu (one batch at a time). */
    std::mutex io_mu;
    filter_table active;             // all zeros (empty) until kp_set_filter: nothing passes
    filter_table active_threadless;  // empty until kp_set_threadless_filter: none passes
    sinsp_evt* pending = nullptr;    // survived the drop rules, did not fit the last batch
    int32_t pending_cpu = -1;        // its CPU
    kernel_feed kernel;              // live: kernel TCP events waiting to be merged by timestamp
    bool eof = false;
    bool failed = false;  // sinsp failed or threw: the handle only reports the error now

    std::mutex err_mu;
    std::string last_error;

    session();

    /* The dumper is closed first, then the live source stops writing into libscap's ring, then
     * libsinsp closes, then the machine is free for the next live capture. */
    ~session();

    void set_error(const std::string& msg) noexcept {
        try {
            std::lock_guard<std::mutex> lock(err_mu);
            last_error = msg;
        } catch (...) {
        }
    }

    /* For catch blocks: builds the message inside the try, so nothing can escape. */
    void set_error(const char* prefix, const char* what) noexcept {
        try {
            std::string msg(prefix != nullptr ? prefix : "");
            msg += what != nullptr ? what : "";
            set_error(msg);
        } catch (...) {
        }
    }

    std::string get_error() {
        std::lock_guard<std::mutex> lock(err_mu);
        return last_error;
    }
};

/* Whether the thread runs a suppressed command (session::suppressed_comms), the rule for its system
 * calls and its kernel TCP events alike; an unknown thread (nullptr) is not suppressed. */
bool runs_suppressed_command(const session& h, const sinsp_threadinfo* tinfo);

/* The body of kp_next_batch: fills buf with the next surviving events. Exceptions are turned
 * into the session's error; events already written when an error occurs are returned, the
 * error is reported by the following call. Call under io_mu. */
int32_t next_batch(session& h, uint8_t* buf, size_t cap, int32_t max_events);

/* The body of kp_count_rest: reads to the end of the capture (or to the first timeout when
 * live) applying drop rules and filter, copying nothing. Call under io_mu. */
int64_t count_rest(session& h);

}  // namespace kindling_probe

#endif /* KINDLING_SESSION_H */
