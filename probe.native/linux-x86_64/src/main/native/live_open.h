/*
 * Kindling Probe for OSGi - opening a live capture: the host's requirements, the machine lock,
 * libsinsp on udig's ring, and the probe's own eBPF source that fills it (live/live_source.h).
 * Where the eBPF source cannot run and the kernel module's device exists, libsinsp reads the
 * kernel module instead.
 */
#ifndef KINDLING_LIVE_OPEN_H
#define KINDLING_LIVE_OPEN_H

#include "live/live_source.h"
#include "session.h"

#include <stdint.h>

#include <memory>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace kindling_probe {

struct live_options {
    std::string write_path;  // empty: no capture file is written
    uint32_t snaplen = 80;   // bytes of an I/O buffer that are kept
    uint32_t bpf_ring_bytes = 8u << 20;
};

/* A live capture that cannot start for a reason the user can act on (KP_LIVE_* of kindling_shim.h). */
class live_refused : public std::runtime_error {
public:
    live_refused(int32_t reason, const std::string& msg) : std::runtime_error(msg), m_reason(reason) {}
    int32_t reason() const { return m_reason; }

private:
    int32_t m_reason;
};

/* A mapping of this process: its start address and length. */
struct udig_mapping {
    uintptr_t start;
    size_t length;
};

/* libscap's mappings of udig's ring in this process (it unmaps only half of them when it closes). */
std::vector<udig_mapping> udig_consumer_mappings();

/* Unmaps those of made that are still there; call once libsinsp has closed. */
void unmap_udig_leftovers(const std::vector<udig_mapping>& made);

/* What a live session holds beyond libsinsp: the machine lock and the eBPF source (both empty when
 * libsinsp reads the kernel module). */
class live_capture {
public:
    live_capture(std::unique_ptr<kindling_live::machine_lock> lock, std::unique_ptr<kindling_live::source> source);
    ~live_capture();

    /* Gives the kernel side the union of the session's filter tables: an event type is read when
     * any category cell passes it, and the enter event of every exit that passes is read too
     * (libsinsp takes the fd and the latency of an exit from its enter event). */
    void follow_filter(const filter_table& main, const filter_table& threadless);

    /* Called when a filter is staged, before it is installed at the next batch: the source loads the
     * programs of the events the filter asks for that are not loaded yet and lets the kernel read them
     * from now on (live_source.h prepare), so that once kp_set_filter returns nothing it asks for
     * is missed. The first call says that the capture has begun (announce). */
    void prepare(const filter_table& main, const filter_table& threadless);

    /* Once per capture, on stderr: "capturing: N programs attached (M loaded) in X s; capabilities
     * kept: ...", X counted from the open. From the first prepare (the filter's programs loaded), or
     * the first batch read when no filter was staged before it. */
    void announce();

    /* Where announce counts from, and which capabilities the open kept. */
    void opened(std::chrono::steady_clock::time_point started, std::string kept) {
        m_started = started;
        m_kept = std::move(kept);
    }

    /* Attaches the programs of the kernel TCP events whose bit (1u << kind) is set, detaches the others
     * (kernel_events.h); returns the kinds attached now. 0 without an eBPF source. */
    uint32_t set_kernel_events(uint32_t mask);

    /* Keeps bytes of each socket I/O call's data where more than the snaplen (live_source.h
     * set_socket_snaplen); false without an eBPF source (the kernel module has one snaplen for every call). */
    bool set_socket_snaplen(uint32_t bytes);

    /* Moves up to max kernel TCP events the source queued into out; returns how many. */
    size_t read_kernel_events(kindling_live::kernel_event* out, size_t max);

    /* The CPU the event of ts and tid ran on, -1 when the source does not know it (live_source.h). */
    int32_t cpu_of(uint64_t ts, uint64_t tid);

    /* Stops the source (before libsinsp frees the ring it writes into). Idempotent. */
    void stop();

    /* The source's counters; zero without one. */
    kindling_live::counters read_counters() const;

    bool has_source() const { return m_source != nullptr; }

    /* libscap's ring mappings made at open: what its close leaves of them is unmapped at the end. */
    void keep_udig_mappings(std::vector<udig_mapping> made) { m_udig_mappings = std::move(made); }

private:
    std::unique_ptr<kindling_live::machine_lock> m_lock;
    std::unique_ptr<kindling_live::source> m_source;
    kindling_live::counters m_final;  // kept when the source stops
    mutable std::mutex m_mu;          // read_counters (statistics) against stop (closing)
    bool m_stopped = false;
    std::vector<udig_mapping> m_udig_mappings;
    std::chrono::steady_clock::time_point m_started;
    std::string m_kept;
    std::atomic<bool> m_announced{false};
};

/* Opens s.insp live and fills s.live_source (and s.dumper with a write path). Throws live_refused
 * for a missing requirement or another live capture on this machine, std::exception otherwise;
 * nothing stays attached or locked after a throw. */
void open_live(session& s, const live_options& options);

/* The capture statistics of kp_capture_stats (KP_STAT_* slots); all zero for a capture file. */
void capture_statistics(session& s, int64_t* out);

}  // namespace kindling_probe

#endif /* KINDLING_LIVE_OPEN_H */
