#include "udig_ring.h"
#include "../handles.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <scap.h>
#include <ppm_ringbuffer.h>

namespace kindling_live {

namespace {

// Opens and maps one shared memory object; nullptr and *err set on failure.
void* map_shm(const char* name, size_t* size, std::string* err) {
    kindling_handles::unique_fd fd(shm_open(name, O_RDWR, 0));
    if (!fd.valid()) {
        *err = std::string("no udig ring to write into (/dev/shm/") + name + ": " + strerror(errno) +
               "); open the inspector with open_udig() first";
        return nullptr;
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0 || st.st_size <= 0) {
        *err = std::string("cannot size /dev/shm/") + name;
        return nullptr;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        // the probe made the ring's files for its user alone (machine_lock.cpp); never another's
        *err = std::string("/dev/shm/") + name + " is not this process's own file (uid " + std::to_string(st.st_uid) +
               "); no events are written into it";
        return nullptr;
    }
    if (*size == 0) *size = static_cast<size_t>(st.st_size);
    void* p = mmap(nullptr, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) {
        *err = std::string("cannot map /dev/shm/") + name + ": " + strerror(errno);
        return nullptr;
    }
    return p;
}

}  // namespace

udig_ring::~udig_ring() {
    if (m_ring) munmap(m_ring, m_size);
    if (m_info) munmap(m_info, m_descs_size);
}

bool udig_ring::open(std::string* err) {
    size_t ring_size = 0;
    void* ring = map_shm(UDIG_RING_SM_FNAME, &ring_size, err);
    if (!ring) return false;
    if (ring_size < RING_BUF_SIZE) {
        munmap(ring, ring_size);
        *err = "the udig ring is smaller than libscap's ring size";
        return false;
    }
    size_t descs_size = sizeof(ppm_ring_buffer_info) + sizeof(udig_ring_buffer_status);
    void* descs = map_shm(UDIG_RING_DESCS_SM_FNAME, &descs_size, err);
    if (!descs) {
        munmap(ring, ring_size);
        return false;
    }
    m_ring = static_cast<uint8_t*>(ring);
    m_size = static_cast<uint32_t>(ring_size);
    m_info = static_cast<ppm_ring_buffer_info*>(descs);
    m_status = reinterpret_cast<udig_ring_buffer_status*>(m_info + 1);
    m_descs_size = descs_size;
    return true;
}

bool udig_ring::write(const void* evt, uint32_t len, uint32_t max_wait_us, const std::atomic<bool>& stop) {
    // libscap wraps head and tail at RING_BUF_SIZE; one byte stays free so that a full ring
    // never looks empty.
    // Head and tail live in shared memory that another process may have written: each is read
    // once, checked against the ring, and only the checked copy is used.
    const uint32_t ring = RING_BUF_SIZE;
    if (len == 0 || len >= ring) return false;
    uint32_t waited = 0;
    uint32_t head;
    for (;;) {
        head = __atomic_load_n(&m_info->head, __ATOMIC_RELAXED);
        uint32_t tail = __atomic_load_n(&m_info->tail, __ATOMIC_ACQUIRE);
        if (head >= ring || tail >= ring || ring > m_size) {
            m_corrupt.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        uint32_t used = head >= tail ? head - tail : ring - tail + head;
        if (ring - used - 1 >= len) break;
        if ((max_wait_us != kUntilStopped && waited >= max_wait_us) || stop.load(std::memory_order_relaxed))
            return false;
        // 50 us at first, up to 1 ms while the consumer stays behind
        uint32_t pause = waited < 1000 ? 50 : 1000;
        usleep(pause);
        waited += pause;
    }
    uint32_t first = ring - head;
    if (first >= len) {
        memcpy(m_ring + head, evt, len);
    } else {
        memcpy(m_ring + head, evt, first);
        memcpy(m_ring, static_cast<const uint8_t*>(evt) + first, len - first);
    }
    uint32_t next = head + len;
    if (next >= ring) next -= ring;
    __atomic_store_n(&m_info->head, next, __ATOMIC_RELEASE);
    return true;
}

uint32_t udig_ring::consumer_snaplen() const { return m_status ? m_status->m_consumer.snaplen : 0; }

void udig_ring::publish(uint64_t seen, uint64_t dropped_full, uint64_t dropped_invalid) {
    if (!m_info) return;
    m_info->n_evts = seen;
    m_info->n_drops_buffer = dropped_full;
    m_info->n_drops_pf = dropped_invalid;
}

}  // namespace kindling_live
