/*
 * Kindling Probe for OSGi - owners of the C handles the shim and the live source use (file descriptors,
 * FILE*, DIR*, libbpf's and libscap's objects): each is released once, when its owner goes, on every path,
 * the error paths included.
 */
#ifndef KINDLING_HANDLES_H
#define KINDLING_HANDLES_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include <memory>
#include <utility>

namespace kindling_handles {

/* A deleter that calls Free (fclose, closedir, ring_buffer__free...) on a handle that is not null. */
template <auto Free>
struct freed_by {
    template <typename T>
    void operator()(T* p) const noexcept {
        if (p != nullptr) Free(p);
    }
};

/* A handle of type T* released with Free. */
template <typename T, auto Free>
using owned = std::unique_ptr<T, freed_by<Free>>;

using file_ptr = owned<FILE, fclose>;
using dir_ptr = owned<DIR, closedir>;

/* A file descriptor, closed when its owner goes; -1 holds none. */
class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) : m_fd(fd) {}
    unique_fd(unique_fd&& other) noexcept : m_fd(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        reset(other.release());
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }
    /* Gives the descriptor up without closing it. */
    int release() {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }
    /* Closes the descriptor held, if any, and holds fd. */
    void reset(int fd = -1) {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = fd;
    }

private:
    int m_fd = -1;
};

}  // namespace kindling_handles

#endif /* KINDLING_HANDLES_H */
