// One live capture per machine: udig's shared memory names (/dev/shm/udig_buf, udig_descs) are
// global. The lock is an flock on a file beside them, so it dies with its holder; the holder's
// pid is written into the file for the message a second capture gets.
#include "live_source.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

namespace kindling_live {

namespace {

constexpr const char* kLockPath = "/dev/shm/kindling-live.lock";

void remove_udig_leftovers() {
    // Left behind by a capture that was killed (libscap never removes them); the flock proves
    // no live capture of this machine uses them now.
    shm_unlink("udig_buf");
    shm_unlink("udig_descs");
}

class flock_lock final : public machine_lock {
public:
    explicit flock_lock(int fd) : m_fd(fd) {}
    ~flock_lock() override {
        remove_udig_leftovers();
        if (ftruncate(m_fd, 0) != 0) {
            // the pid stays in the file; the next holder overwrites it
        }
        close(m_fd);  // releases the flock
    }

private:
    int m_fd;
};

}  // namespace

std::unique_ptr<machine_lock> lock_machine(std::string* err) {
    int fd = open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = std::string("cannot open ") + kLockPath + ": " + strerror(errno);
        return nullptr;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char buf[32] = {};
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        close(fd);
        if (e == EWOULDBLOCK) {
            long pid = n > 0 ? strtol(buf, nullptr, 10) : 0;
            *err = "another live capture runs on this machine" +
                   (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) +
                   "; stop it first, or run this one in its own mount namespace with its own /dev/shm";
        } else {
            *err = std::string("cannot lock ") + kLockPath + ": " + strerror(e);
        }
        return nullptr;
    }
    remove_udig_leftovers();
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", static_cast<int>(getpid()));
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, static_cast<size_t>(len), 0) != len) {
        // the lock holds without the pid; a second capture's message just lacks it
    }
    return std::make_unique<flock_lock>(fd);
}

}  // namespace kindling_live
