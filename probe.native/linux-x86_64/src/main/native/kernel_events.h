/*
 * Kindling Probe for OSGi - Kindling's kernel TCP events (kprobe-tcp_close, ...) in the batches.
 *
 * libsinsp's 2022 event table has no types for them, so they never pass through libsinsp: the live
 * source queues them as fixed records (live/live_source.h) and the session merges them, by timestamp,
 * into the same batches as the events libsinsp returns. In the batches and in the event table that
 * Java reads (kp_event_table) they are event types of their own after libsinsp's: KERNEL_EVENT_BASE
 * + kind - 1, named with the Kindling name, category net, with a scap-style record whose parameters
 * are laid out as kernel_event_rows() says (the tuple as libsinsp's PT_SOCKTUPLE, then the figures).
 *
 * Drop rules: the probe's own process and the filter table apply as to any event (the cell of the
 * event's type in the net category). The "no thread information" rule does not: where the kernel ran
 * in a context that is no task of the traced processes (softirq, tid 0) or in a task libsinsp does not
 * know, the event is kept, flagged KP_FLAG_NO_THREAD | KP_FLAG_KERNEL_CONTEXT, and reaches its
 * subscribers (sinks included) with pid and tid as the kernel saw them (0 in softirq).
 */
#ifndef KINDLING_KERNEL_EVENTS_H
#define KINDLING_KERNEL_EVENTS_H

#include "live/live_source.h"

#include <sinsp.h>

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

namespace kindling_probe {

struct session;
struct filter_table;

/* The event type of kernel kind k (1..8) is KERNEL_EVENT_BASE + k - 1. */
constexpr uint16_t KERNEL_EVENT_BASE = PPM_EVENT_MAX;
constexpr uint16_t KERNEL_EVENT_TYPES = kindling_live::kernel_kind::max - 1;

/* The event table's rows of the kernel events (kp_event_table's "E" line format), after libsinsp's. */
void append_kernel_event_rows(std::string* text);

/* The kinds (bit 1u << kind) whose type has a cell set in either table: what set_kernel_events attaches. */
uint32_t kernel_event_mask(const filter_table& main, const filter_table& threadless);

/* Between two pulls from the source, at most this many libsinsp events are read. */
constexpr uint32_t KERNEL_PULL_EVERY = 64;

/* The session's kernel events taken from the live source and not yet placed, oldest first. */
struct kernel_feed {
    std::vector<kindling_live::kernel_event> queue;  // room for one pull
    size_t size = 0;                                 // events in queue
    size_t next = 0;
    uint32_t reads_since_pull = 0;
    uint32_t mask = 0;  // the kinds attached now
};

/* Takes what the live source queued when the feed is used up. Call under io_mu. */
void pull_kernel_events(session& h);

/* When libsinsp has nothing to read: the time up to which queued kernel events are due (now, epoch
 * nanoseconds, less the few milliseconds a syscall event can take through udig's ring). */
uint64_t kernel_events_due();

/* Applies the drop rules to the queued kernel events with ts <= upto, in order, and writes the
 * survivors into the batch. Returns false when the batch is full (max_events or no room): the rest
 * stays queued. A kernel event that cannot fit an empty batch sets *too_big. Call under io_mu. */
bool merge_kernel_events(session& h, uint64_t upto, uint8_t* buf, size_t cap, size_t* off, uint32_t* count,
                         int32_t max_events, bool* too_big);

}  // namespace kindling_probe

#endif /* KINDLING_KERNEL_EVENTS_H */
