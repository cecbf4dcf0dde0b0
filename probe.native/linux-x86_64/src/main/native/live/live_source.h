// The live source: the probe's own CO-RE eBPF programs, and the producer thread that copies the
// events they write into libscap's udig ring, where sinsp::open_udig() reads them. Everything above
// this header (the libsinsp session, drop rules, filter table, batches) is the same for live and replay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <linux/types.h>

#include "probe_shared.h"

namespace kindling_live {

struct settings {
    uint32_t own_tgid = 0;               // the probe's own process: its events are dropped in the kernel
    uint32_t snaplen = 80;               // bytes of an I/O buffer that are copied (libsinsp's snaplen); at most 64,512
    uint32_t bpf_ring_bytes = 8u << 20;  // size of the BPF ring buffer (a power of two)
    // false: every program loads at the start. true: only the system call dispatchers, the
    // scheduler's programs and the fillers of the events libsinsp needs for its thread and fd tables
    // load at the start; the filler of any other event and the kernel TCP programs load when
    // prepare(), set_filter() or set_kernel_events() first asks for them (the verifier's work is most
    // of a start's time).
    bool load_on_demand = false;
};

// What the live source counted since it started. Every event the kernel saw and did not deliver is
// in exactly one drop counter.
struct counters {
    uint64_t events = 0;                 // events written into the udig ring
    uint64_t drops_bpf_ring = 0;         // lost in the kernel: the BPF ring buffer was full
    uint64_t drops_udig_ring = 0;        // lost in the producer: the udig ring stayed full until the run stopped
                                         // (the producer waits for the reader; the kernel's ring then fills)
    uint64_t drops_invalid = 0;          // lost in the kernel: a parameter could not be read (fault, bad pointer)
    uint64_t filtered_own = 0;           // events of the probe's own process, not copied
    uint64_t filtered_syscall = 0;       // syscalls that no subscription and no libsinsp state needed, not copied
    uint64_t kernel_events = 0;          // kernel TCP events handed to read_kernel_events()
    uint64_t kernel_drops_bpf_ring = 0;  // kernel TCP events lost in the kernel: their BPF ring was full
    uint64_t kernel_drops_queue = 0;     // kernel TCP events lost in the producer: nobody read them in time
    // times the producer found the udig ring's shared head, tail or consumer snaplen out of range
    // (someone else wrote them); the events it could not write then are in drops_udig_ring
    uint64_t udig_ring_corrupt = 0;
};

// Kernel TCP events: the Kindling driver's own events, which the 2022 event table has no types
// for. They never pass through libsinsp: the producer queues them as the programs' records
// (kernel_event_rec of probe_shared.h), in the order the kernel wrote them (timestamps nearly
// sorted), and the session merges them by ts. Their kinds are the list KERNEL_EVENT_KINDS there.
namespace kernel_kind {
#define KP_KIND_CONSTANT(n, id, cname, name, what) constexpr uint16_t cname = id;
KERNEL_EVENT_KINDS(KP_KIND_CONSTANT)
#undef KP_KIND_CONSTANT
constexpr uint16_t max = KE_MAX;
}  // namespace kernel_kind

// The Kindling name of a kind ("kprobe-tcp_close", ...), nullptr for an unknown kind.
const char* kernel_event_name(uint16_t kind);

using kernel_event = kernel_event_rec;

// Held while a live capture runs: one per machine (udig's shared memory names are global), an flock on
// /run/kindling/live.lock. Taking it removes what a killed capture left in /dev/shm and makes udig's two
// files anew, mode 0600, for libscap to open (never a file someone else made). Released by its
// destructor (which removes them and the lock file) or when the process dies.
class machine_lock {
public:
    virtual ~machine_lock() = default;
};

// nullptr and *err set (one line: who holds it, or why it could not be taken) when another live
// capture runs on this machine.
std::unique_ptr<machine_lock> lock_machine(std::string* err);

// Empty when this host can run the eBPF source; otherwise one line that says which requirement is
// missing (a capability, a kernel >= 5.8, BTF at /sys/kernel/btf/vmlinux) and what to do.
std::string missing_requirement();

// Empty when this process has every capability live capture needs (CAP_BPF, CAP_PERFMON,
// CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH); otherwise the missing ones, each with what it is for.
std::string missing_capabilities();

// Drops, on every thread of the process, every capability but those live capture needs after its
// start (the programs of the kernel TCP events attach when subscribed; libsinsp reads /proc of
// processes it meets later), the bounding set included where allowed. Returns one line: which stay.
std::string keep_only_needed_capabilities();

class source {
public:
    virtual ~source() = default;
    // Maps the udig ring that sinsp::open_udig() created and starts the producer thread, which hands
    // on first what the programs wrote since they were attached. false and *err set (one line) when
    // there is no ring or it already delivers.
    virtual bool deliver(std::string* err) = 0;
    // Which events are read, by ppm event type (index = PPME_* value, enter and exit separately;
    // nonzero = read) and, for syscalls libsinsp records as generic events, by syscall number.
    // Events that libsinsp needs to keep its thread and fd state right stay on whatever is given.
    // generic_syscalls is indexed by the PPM_SC code (the ID parameter of PPME_GENERIC_E/X, as in
    // libsinsp's syscall info table), not by the kernel's syscall number.
    // Takes effect for events that start after the call. Until a filter is set, everything is read
    // (an on-demand source: only what libsinsp's state needs). An on-demand source loads the fillers
    // the filter needs first.
    virtual void set_filter(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls, size_t nsyscalls) = 0;
    // What a new filter needs, made ready before it is installed: loads the fillers of its event
    // types and the kernel TCP programs of kernel_mask that are not loaded yet (on-demand sources),
    // then lets the kernel read these events from now on and attaches those TCP programs, switching
    // nothing off (set_filter and set_kernel_events at the batch boundary make the kernel side exact).
    // The same tables as set_filter. A program the kernel refuses is said once on stderr and stays
    // off. Returns the number of programs loaded by this call.
    virtual int prepare(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls, size_t nsyscalls,
                        uint32_t kernel_mask) = 0;
    virtual counters read_counters() const = 0;
    // Attaches the programs of the kernel TCP events whose bit (1u << kernel_kind) is set in mask
    // (loading them first when the source loads on demand) and detaches the others: an event nobody
    // asked for costs nothing. Returns the mask now
    // attached (a kind this kernel cannot trace stays off).
    virtual uint32_t set_kernel_events(uint32_t mask) = 0;
    // Bytes of the data of each socket I/O call copied from the next events on, where more than the snaplen
    // (which every other I/O call keeps, libsinsp's); 0: sockets keep the snaplen too. At most 64,512.
    virtual void set_socket_snaplen(uint32_t bytes) = 0;
    // Why the kernel TCP events do not use fentry/fexit programs (the kernel refused a test program
    // at one of their functions: lockdown, no trampolines), empty when they do.
    virtual std::string tracing_refusal() const = 0;
    // Moves up to max queued kernel events into out; returns how many.
    virtual size_t read_kernel_events(kernel_event* out, size_t max) = 0;
    // The CPU an event ran on: udig's ring has no place for it (libsinsp gives every event CPU 0),
    // so the producer keeps, in the order it wrote the events, each one's timestamp, thread and CPU.
    // Ask for every event libsinsp returns, in its order; -1 when the event is not among the next
    // ones the producer wrote (libsinsp made it itself). Events that libsinsp read and did not
    // return are passed over. One reader thread.
    virtual int32_t cpu_of(uint64_t ts, uint64_t tid) = 0;
    // Detaches the programs, frees the maps, ends the producer thread. Idempotent.
    virtual void stop() = 0;
};

// Loads and attaches the programs; their events wait in the BPF ring buffer until deliver(). A capture
// attaches before sinsp::open_udig() scans /proc, so that nothing a process does between the scan and
// the attach goes unseen: what happened before the scan and is read after it only repeats what the
// scan found. nullptr and *err set (one line) on failure; nothing is left attached.
std::unique_ptr<source> attach(const settings& s, std::string* err);

// attach() and deliver() in one, for a caller whose udig ring exists already.
std::unique_ptr<source> start(const settings& s, std::string* err);

}  // namespace kindling_live
