// The CPU of each event the producer wrote into udig's ring, which has no place for it (libsinsp
// gives every event read through udig CPU 0). The producer adds an entry per event, in the order
// it writes them; the reader asks for each event libsinsp returns, in the same order. One writer
// thread, one reader thread, no lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kindling_live {

class cpu_list {
public:
    // capacity: a power of two, more than the events udig's ring holds at once
    explicit cpu_list(size_t capacity) : m_ring(capacity), m_mask(capacity - 1) {}

    // The producer: an event about to be written. When the list is full it is forgotten (the
    // reader then gets -1 for it); false tells.
    bool add(uint64_t ts, uint64_t tid, int32_t cpu) {
        uint64_t head = m_head.load(std::memory_order_relaxed);
        if (head - m_tail.load(std::memory_order_acquire) > m_mask) return false;
        m_ring[head & m_mask] = entry{ts, tid, cpu};
        m_head.store(head + 1, std::memory_order_release);
        return true;
    }

    // The reader: the CPU of the event of ts and tid, looked for among the next entries. Entries
    // before the one found are of events libsinsp read and did not return, and are passed over;
    // an event not found (libsinsp made it) gets -1, and entries much older than it are dropped.
    int32_t find(uint64_t ts, uint64_t tid) {
        uint64_t tail = m_tail.load(std::memory_order_relaxed);
        uint64_t head = m_head.load(std::memory_order_acquire);
        for (uint64_t i = tail; i < head && i - tail < LOOK_AHEAD; i++) {
            const entry& e = m_ring[i & m_mask];
            if (e.ts == ts && e.tid == tid) {
                m_tail.store(i + 1, std::memory_order_release);
                return e.cpu;
            }
        }
        while (tail < head && m_ring[tail & m_mask].ts + STALE_NS < ts) tail++;
        m_tail.store(tail, std::memory_order_release);
        return -1;
    }

private:
    struct entry {
        uint64_t ts;
        uint64_t tid;
        int32_t cpu;
    };
    static constexpr uint64_t LOOK_AHEAD = 4096;
    static constexpr uint64_t STALE_NS = 1000000000ull;  // 1 s
    std::vector<entry> m_ring;
    uint64_t m_mask;
    std::atomic<uint64_t> m_head{0};
    std::atomic<uint64_t> m_tail{0};
};

}  // namespace kindling_live
