// The producer's side of libscap's udig ring: the two POSIX shared memory objects that
// sinsp::open_udig() created (udig_buf, the event ring; udig_descs, head/tail and counters).
// The consumer moves the tail, this side writes whole events at the head and then moves it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

struct ppm_ring_buffer_info;
struct udig_ring_buffer_status;

namespace kindling_live {

class udig_ring {
public:
    udig_ring() = default;
    ~udig_ring();
    udig_ring(const udig_ring&) = delete;
    udig_ring& operator=(const udig_ring&) = delete;

    // Maps the ring a consumer created. false and *err set when there is none.
    bool open(std::string* err);
    // Copies one event (a complete ppm_evt_hdr record). When the ring is full it waits up to
    // max_wait_us for the consumer (kUntilStopped: until stop is set), then gives up: false (the
    // caller counts the drop). A head or
    // tail past the ring's end (the shared memory was written by someone else) writes nothing:
    // false, and corrupt() counts it.
    bool write(const void* evt, uint32_t len, uint32_t max_wait_us, const std::atomic<bool>& stop);
    static constexpr uint32_t kUntilStopped = UINT32_MAX;
    // Writes refused because the ring's head or tail was out of range.
    uint64_t corrupt() const { return m_corrupt.load(std::memory_order_relaxed); }
    // The snaplen the consumer asked for (sinsp::set_snaplen), 0 when unknown.
    uint32_t consumer_snaplen() const;
    // Makes the drop counts visible to the consumer's statistics (scap_get_stats).
    void publish(uint64_t seen, uint64_t dropped_full, uint64_t dropped_invalid);

private:
    uint8_t* m_ring = nullptr;
    uint32_t m_size = 0;
    ppm_ring_buffer_info* m_info = nullptr;
    udig_ring_buffer_status* m_status = nullptr;
    size_t m_descs_size = 0;
    std::atomic<uint64_t> m_corrupt{0};
};

}  // namespace kindling_live
