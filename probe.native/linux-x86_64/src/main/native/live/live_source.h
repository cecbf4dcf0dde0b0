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
    uint32_t snaplen = 80;                  // bytes of an I/O buffer that are copied (libsinsp's snaplen)
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
    // Which events are read, by ppm event type (index = PPME_* value, enter and exit separately;
    // nonzero = read) and, for syscalls libsinsp records as generic events, by syscall number.
    // Events that libsinsp needs to keep its thread and fd state right stay on whatever is given.
    // generic_syscalls is indexed by the PPM_SC code (the ID parameter of PPME_GENERIC_E/X, as in
    // libsinsp's syscall info table), not by the kernel's syscall number.
    // Takes effect for events that start after the call.
    virtual void set_filter(const uint8_t* types, size_t ntypes, const uint8_t* generic_syscalls,
                            size_t nsyscalls) = 0;
    virtual counters read_counters() const = 0;
    // Detaches the programs, frees the maps, ends the producer thread. Idempotent.
    virtual void stop() = 0;
};

// Loads and attaches the programs and starts the producer thread. Call after sinsp::open_udig() has
// created the udig ring. nullptr and *err set (one line) on failure; nothing is left attached.
std::unique_ptr<source> start(const settings& s, std::string* err);

}  // namespace kindling_live
