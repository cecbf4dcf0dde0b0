// The live source: the probe's own CO-RE eBPF programs, and the producer thread that copies the
// events they write into libscap's udig ring, where sinsp::open_udig() reads them. Everything above
// this header (the libsinsp session, drop rules, filter table, batches) is the same for live and replay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace kindling_live {

struct settings {
    uint32_t own_tgid = 0;                  // the probe's own process: its events are dropped in the kernel
    uint32_t snaplen = 80;                  // bytes of an I/O buffer that are copied (libsinsp's snaplen); at most 64,512
    uint32_t bpf_ring_bytes = 8u << 20;     // size of the BPF ring buffer (a power of two)
};

// What the live source counted since it started. Every event the kernel saw and did not deliver is
// in exactly one drop counter.
struct counters {
    uint64_t events = 0;            // events written into the udig ring
    uint64_t drops_bpf_ring = 0;    // lost in the kernel: the BPF ring buffer was full
    uint64_t drops_udig_ring = 0;   // lost in the producer: the udig ring was full
    uint64_t drops_invalid = 0;     // lost in the kernel: a parameter could not be read (fault, bad pointer)
    uint64_t filtered_own = 0;      // events of the probe's own process, not copied
    uint64_t filtered_syscall = 0;  // syscalls that no subscription and no libsinsp state needed, not copied
    uint64_t kernel_events = 0;          // kernel TCP events handed to read_kernel_events()
    uint64_t kernel_drops_bpf_ring = 0;  // kernel TCP events lost in the kernel: their BPF ring was full
    uint64_t kernel_drops_queue = 0;     // kernel TCP events lost in the producer: nobody read them in time
    // times the producer found the udig ring's shared head, tail or consumer snaplen out of range
    // (someone else wrote them); the events it could not write then are in drops_udig_ring
    uint64_t udig_ring_corrupt = 0;
};

// Kernel TCP events: the Kindling driver's own events, which the 2022 event table has no types
// for. They never pass through libsinsp: the producer queues them as these records, in the order
// the kernel wrote them (timestamps nearly sorted), and the session merges them by ts.
namespace kernel_kind {
constexpr uint16_t tcp_close = 1;              // kprobe-tcp_close
constexpr uint16_t tcp_rcv_established = 2;    // kprobe-tcp_rcv_established
constexpr uint16_t tcp_drop = 3;               // kprobe-tcp_drop
constexpr uint16_t tcp_retransmit_skb = 4;     // kprobe-tcp_retransmit_skb
constexpr uint16_t tcp_connect = 5;            // kretprobe-tcp_connect
constexpr uint16_t tcp_send_reset = 6;         // tracepoint-tcp_send_reset
constexpr uint16_t tcp_receive_reset = 7;      // tracepoint-tcp_receive_reset
constexpr uint16_t inet_sock_set_state = 8;    // tracepoint-inet_sock_set_state
constexpr uint16_t max = 9;
}  // namespace kernel_kind

// The Kindling name of a kind ("kprobe-tcp_close", ...), nullptr for an unknown kind.
const char* kernel_event_name(uint16_t kind);

struct kernel_event {
    uint64_t ts;             // epoch nanoseconds
    uint32_t tid;            // 0: the kernel context may not be a task of the connection (softirq)
    uint32_t pid;
    uint16_t kind;           // kernel_kind
    uint16_t family;         // AF_INET or AF_INET6
    uint16_t sport;          // host order; source = the socket's local end
    uint16_t dport;
    uint8_t sip[16];         // IPv4 in the first 4 bytes, network order
    uint8_t dip[16];
    uint32_t srtt_us;        // smoothed RTT in microseconds (tcp_close, tcp_rcv_established, drop, retransmit)
    uint32_t total_retrans;  // segments retransmitted over the connection's life (same events)
    int32_t retval;          // tcp_connect's return value
    uint32_t old_state;      // inet_sock_set_state: TCP_* as the kernel numbers them (1 ESTABLISHED ... 12)
    uint32_t new_state;
    uint32_t segs;           // tcp_retransmit_skb: segments retransmitted by this call
    uint32_t reason;         // tcp_drop: the kernel's drop reason
    char comm[16];           // the task's name when tid != 0
};

// Held while a live capture runs: one per machine (udig's shared memory names are global). Taking it
// removes what a killed capture left in /dev/shm. Released by its destructor or when the process dies.
class machine_lock {
public:
    virtual ~machine_lock() = default;
};

// nullptr and *err set (one line: who holds it, or why it could not be taken) when another live
// capture runs on this machine.
std::unique_ptr<machine_lock> lock_machine(std::string* err);

// Empty when this host can run the eBPF source; otherwise one line that says which requirement is
// missing (root / CAP_BPF, a kernel >= 5.8, BTF at /sys/kernel/btf/vmlinux) and what to do.
std::string missing_requirement();

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
    // Takes effect for events that start after the call.
    virtual void set_filter(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls,
                            size_t nsyscalls) = 0;
    virtual counters read_counters() const = 0;
    // Attaches the programs of the kernel TCP events whose bit (1u << kernel_kind) is set in mask
    // and detaches the others: an event nobody asked for costs nothing. Returns the mask now
    // attached (a kind this kernel cannot trace stays off).
    virtual uint32_t set_kernel_events(uint32_t mask) = 0;
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
