/*
 * Kindling Probe for OSGi - native shim between libsinsp and Java (JNA).
 *
 * Every function is extern "C" and never lets a C++ exception escape: errors are
 * reported through return values, the caller's error buffer or kp_last_error().
 * Handles are opaque positive 64-bit ids; 0 (or an id that was closed) is rejected.
 */
#ifndef KINDLING_SHIM_H
#define KINDLING_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KP_EXPORT __attribute__((visibility("default")))

/* Size of the batch header and of the fixed part of each record (see the layout in
 * batch_writer.h). */
#define KP_BATCH_HEADER_SIZE 64
#define KP_RECORD_FIXED_SIZE 64
#define KP_SOCKET_BLOCK_SIZE 40
#define KP_NS_BLOCK_SIZE     16
#define KP_MAX_PARAMS        16
#define KP_MAX_PARAM_LEN     65535u
#define KP_CATEGORY_CELLS    16
/* Rows a filter table may have (event types, syscalls): more is refused. */
#define KP_MAX_TABLE_ROWS    4096

/* Batch status (header offset 8). */
#define KP_STATUS_MORE    0
#define KP_STATUS_EOF     1
#define KP_STATUS_TIMEOUT 2

/* Record flags (record offset 14). */
#define KP_FLAG_FD_INFO         0x1
#define KP_FLAG_PARAM_TRUNCATED 0x2
/* The event has no thread information and passed only through the threadless filter
 * (kp_set_threadless_filter): pid and tid are the event's tid, uid, gid, comm and
 * container are empty. Such events are meant for converters, never for sinks. */
#define KP_FLAG_NO_THREAD       0x4
/* The scap record's parameter lengths are u32 (libsinsp's EF_LARGE_PAYLOAD events). */
#define KP_FLAG_LARGE_PAYLOAD   0x8
/* A socket block (ports, addresses or unix endpoints) follows the fixed part. */
#define KP_FLAG_SOCKET          0x10
/* With KP_FLAG_NO_THREAD: a kernel TCP event (kernel_events.h) that ran in a kernel context that is no
 * task libsinsp knows (softirq: tid 0). It passed the main filter table and is meant for sinks too. */
#define KP_FLAG_KERNEL_CONTEXT  0x20
/* The thread runs in a pid namespace of its own (a container): a 16-byte block follows the fixed part
 * (before the socket block): i64 vpid | i64 vtid, the process and thread ids inside that namespace. */
#define KP_FLAG_NS_IDS          0x40

/* Counter slots filled by kp_counters. */
enum kp_counter {
    KP_CNT_READ = 0,
    KP_CNT_DROP_OWN_PID = 1,
    KP_CNT_DROP_INTERNAL = 2,
    KP_CNT_DROP_NO_THREAD = 3,
    KP_CNT_DROP_IO_RES = 4,
    KP_CNT_DROP_UNSUBSCRIBED = 5,
    KP_CNT_COPIED = 6,
    KP_CNT_TIMEOUTS = 7,
    /* Of KP_CNT_COPIED, the events without thread information that the threadless filter
     * let through (so read == drops + copied still holds). */
    KP_CNT_COPIED_NO_THREAD = 8,
    /* Of KP_CNT_COPIED, the events that did not fit an empty batch and were copied with
     * their longest parameters cut (KP_FLAG_PARAM_TRUNCATED). */
    KP_CNT_PARAMS_CUT = 9,
    /* Of KP_CNT_READ, the kernel TCP events taken from the live source (kernel_events.h). */
    KP_CNT_KERNEL_READ = 10,
    /* Of KP_CNT_COPIED, the kernel TCP events without thread information (KP_FLAG_KERNEL_CONTEXT). */
    KP_CNT_KERNEL_NO_THREAD = 11,
    KP_CNT_COUNT = 12
};

/* Why kp_open_live refused (its *refusal). */
#define KP_LIVE_OK          0
#define KP_LIVE_FAILED      1 /* libsinsp or the eBPF programs failed to start */
#define KP_LIVE_REQUIREMENT 2 /* the host cannot run the eBPF source: err says what is missing */
#define KP_LIVE_BUSY        3 /* another live capture runs on this machine */

/* Slots filled by kp_capture_stats: the capture source, libsinsp's capture statistics (scap_stats),
 * then the eBPF source's counters (live/live_source.h). All zero for a capture file. */
enum kp_capture_stat {
    KP_STAT_SOURCE = 0, /* 0 capture file, KP_SOURCE_EBPF, KP_SOURCE_KERNEL_MODULE */
    KP_STAT_EVENTS = 1,
    KP_STAT_DROPS = 2,
    KP_STAT_DROPS_BUFFER = 3,
    KP_STAT_DROPS_PAGE_FAULT = 4,
    KP_STAT_DROPS_BUG = 5,
    KP_STAT_PREEMPTIONS = 6,
    KP_STAT_SUPPRESSED = 7,
    KP_STAT_SOURCE_EVENTS = 8,
    KP_STAT_DROPS_BPF_RING = 9,
    KP_STAT_DROPS_UDIG_RING = 10,
    KP_STAT_DROPS_INVALID = 11,
    KP_STAT_FILTERED_OWN = 12,
    KP_STAT_FILTERED_SYSCALL = 13,
    /* the kernel TCP events: handed to the session, lost in the kernel (their BPF ring full), lost in
     * the producer (its queue full: the session did not take them in time) */
    KP_STAT_KERNEL_EVENTS = 14,
    KP_STAT_KERNEL_DROPS_BPF_RING = 15,
    KP_STAT_KERNEL_DROPS_QUEUE = 16,
    /* times the eBPF source found the udig ring's shared head, tail or consumer snaplen out of range: another
     * process wrote them (the events it could not write then are in KP_STAT_DROPS_UDIG_RING) */
    KP_STAT_UDIG_RING_TAMPERED = 17,
    KP_STAT_COUNT = 18
};
#define KP_SOURCE_EBPF          1
#define KP_SOURCE_KERNEL_MODULE 2

KP_EXPORT int64_t kp_open_file(const char* path, char* err, int32_t errcap);
/* Opens a live capture: the probe's eBPF source through libsinsp's udig ring (the kernel module where
 * only that can run). write_path (null: none) receives every event read, as a capture file; snaplen
 * and bpf_ring_bytes (0: defaults) set the source. 0 on failure, with *refusal (KP_LIVE_*) and err. */
KP_EXPORT int64_t kp_open_live(const char* write_path, int32_t snaplen, int32_t bpf_ring_bytes, int32_t* refusal,
                               char* err, int32_t errcap);
/* Fills out[0..KP_STAT_COUNT) (n must be at least KP_STAT_COUNT); returns KP_STAT_COUNT, -1 on error. */
KP_EXPORT int32_t kp_capture_stats(int64_t h, int64_t* out, int32_t n);
KP_EXPORT int32_t kp_set_filter(int64_t h, const uint8_t* types, int32_t ntypes, const uint8_t* generic, int32_t nsc);
/* Events without thread information whose cell [type * 16 + kcat] is set here pass (with
 * KP_FLAG_NO_THREAD) instead of being dropped; staged like kp_set_filter. ntypes 0 clears. */
KP_EXPORT int32_t kp_set_threadless_filter(int64_t h, const uint8_t* types, int32_t ntypes);
/* Fills buf with the next events (at most maxEvents, as many as fit in cap bytes); a batch that
 * holds events also ends once 32,768 events were read for it. Returns the number of events
 * written, -1 on error (kp_last_error). */
KP_EXPORT int32_t kp_next_batch(int64_t h, void* buf, int32_t cap, int32_t maxEvents);
KP_EXPORT int32_t kp_last_error(int64_t h, char* out, int32_t cap);
/* Fills out[0..n) with the counters (KP_CNT_*; cells past KP_CNT_COUNT get 0). Returns KP_CNT_COUNT,
 * -1 on error (kp_last_error). */
KP_EXPORT int32_t kp_counters(int64_t h, int64_t* out, int32_t n);
KP_EXPORT void kp_close(int64_t h);
KP_EXPORT int32_t kp_event_table(char* out, int32_t cap);
KP_EXPORT int32_t kp_set_own_pid(int64_t h, int64_t pid);
/* A live capture keeps the first snaplen bytes of each I/O call's data from the next events on (libsinsp's
 * set_snaplen, which the eBPF source follows). Returns 0, or -1 (a capture file, or libsinsp refused: see
 * kp_last_error). */
KP_EXPORT int32_t kp_set_snaplen(int64_t h, int32_t snaplen);
/* Reads the rest of the capture applying the drop rules and the filter, copying nothing
 * (the baseline of the benchmark). Returns the number of surviving events, -1 on error. */
KP_EXPORT int64_t kp_count_rest(int64_t h);
/* Adds a process name (comm) whose events are no longer delivered, from now on: the events of every
 * thread whose command is that name (the process that runs the program, its threads and its children
 * that have not executed another program); a child that executes a program of another name is no
 * longer covered. At most 32 names. Returns 0, or -1 with the reason in kp_last_error(h). */
KP_EXPORT int32_t kp_suppress_comm(int64_t h, const char* comm);
/* The short (12-character) container id that a cgroup path names, as the probe works it out where
 * libsinsp names none; empty for none. Returns its length, -1 when out is too small. */
KP_EXPORT int32_t kp_container_id_of_cgroup(const char* path, char* out, int32_t cap);

#ifdef __cplusplus
}
#endif

#endif /* KINDLING_SHIM_H */
