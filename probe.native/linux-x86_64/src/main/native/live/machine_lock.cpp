// One live capture per machine: udig's shared memory names (/dev/shm/udig_buf, udig_descs) are
// global. The lock is an flock on a file in a folder that only root (or the probe's own user) can
// write, so that no other user can take it, replace it or point it elsewhere; it dies with its
// holder, and the holder's pid is written into it for the message a second capture gets.
// Holding the lock, the probe makes udig's two files itself, exclusively and readable by its own
// user only, before libscap opens them (libscap uses files that exist as they are, and would
// otherwise create them readable and writable by everyone).
#include "live_source.h"
#include "../handles.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/types.h>
#include <scap.h>
#include <ppm_ringbuffer.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kindling_live {

namespace {

using kindling_handles::unique_fd;

constexpr const char* kLockDir = "/run/kindling";
constexpr const char* kLockName = "live.lock";
constexpr const char* kShmDir = "/dev/shm/";

std::string lock_path() { return std::string(kLockDir) + "/" + kLockName; }

void remove_udig_files() {
    // Left behind by a capture that was killed (libscap never removes them); the flock proves
    // no live capture of this machine uses them now. A file of another user that this process
    // may not remove stays, and creating ours then fails (see create_udig_file).
    shm_unlink(UDIG_RING_SM_FNAME);
    shm_unlink(UDIG_RING_DESCS_SM_FNAME);
}

// Creates /dev/shm/NAME of size bytes, new (never a file that exists: O_EXCL, and shm_open never
// follows a link), mode 0600 whatever the umask. false and *err set (one line) otherwise.
bool create_udig_file(const char* name, size_t size, std::string* err) {
    unique_fd fd(shm_open(name, O_RDWR | O_CREAT | O_EXCL, S_IRUSR | S_IWUSR));
    if (!fd.valid()) {
        int e = errno;
        std::string path = std::string(kShmDir) + name;
        struct stat st {};
        if (e == EEXIST && lstat(path.c_str(), &st) == 0) {
            *err = path + " exists and belongs to uid " + std::to_string(st.st_uid) +
                   ", which this process may not remove; the probe never writes events into a file it did not make: "
                   "remove it (as root) and start again";
        } else {
            *err = "cannot create " + path + ": " + strerror(e);
        }
        return false;
    }
    bool ok = fchmod(fd.get(), S_IRUSR | S_IWUSR) == 0 && ftruncate(fd.get(), static_cast<off_t>(size)) == 0;
    int e = errno;
    fd.reset();
    if (!ok) {
        *err = std::string("cannot set up ") + kShmDir + name + ": " + strerror(e);
        shm_unlink(name);
    }
    return ok;
}

// The lock's folder: made by root when missing; used only when it is a real folder (not a link) of
// root or of this process's user that nobody else may write into. None (and *err set) otherwise.
unique_fd open_lock_dir(std::string* err) {
    if (mkdir(kLockDir, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        *err = std::string("cannot create ") + kLockDir + " (" + strerror(e) +
               "); a live capture run by a user other than root needs " + kLockDir +
               " made for that user beforehand (install -d -m 0755 -o USER " + kLockDir +
               ", or RuntimeDirectory=kindling in a systemd unit)";
        return unique_fd();
    }
    unique_fd dir(open(kLockDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!dir.valid() || fstat(dir.get(), &st) != 0) {
        *err = std::string("cannot open ") + kLockDir + ": " + strerror(errno);
        return unique_fd();
    }
    if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[8];
        snprintf(mode, sizeof mode, "%o", static_cast<unsigned>(st.st_mode & 0777));
        *err = std::string(kLockDir) + " (uid " + std::to_string(st.st_uid) + ", mode " + mode +
               ") is not root's or the probe user's alone; the live lock must be where only they can write";
        return unique_fd();
    }
    return dir;
}

class flock_lock final : public machine_lock {
public:
    flock_lock(unique_fd dir, unique_fd fd) : m_dir(std::move(dir)), m_fd(std::move(fd)) {}
    ~flock_lock() override {
        remove_udig_files();
        // removed while still held: whoever opens the name next gets a new file (and checks it is
        // the one the name points to once locked); closing m_fd, before m_dir, releases the flock
        unlinkat(m_dir.get(), kLockName, 0);
    }

private:
    unique_fd m_dir;
    unique_fd m_fd;
};

}  // namespace

std::unique_ptr<machine_lock> lock_machine(std::string* err) {
    unique_fd dir = open_lock_dir(err);
    if (!dir.valid()) return nullptr;
    const std::string path = lock_path();
    for (int attempt = 0;; attempt++) {
        unique_fd fd(
            openat(dir.get(), kLockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, S_IRUSR | S_IWUSR));
        struct stat st {};
        if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
            *err = "cannot open " + path + ": " + (!fd.valid() ? strerror(errno) : "not a regular file");
            return nullptr;
        }
        if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            char buf[32] = {};
            ssize_t n = pread(fd.get(), buf, sizeof buf - 1, 0);
            if (e == EWOULDBLOCK) {
                long pid = n > 0 ? strtol(buf, nullptr, 10) : 0;
                *err = "another live capture runs on this machine" +
                       (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) +
                       "; stop it first, or run this one in its own mount namespace with its own /dev/shm and " +
                       kLockDir;
            } else {
                *err = "cannot lock " + path + ": " + strerror(e);
            }
            return nullptr;
        }
        // the holder before us removes the name when it lets go: our file must still be the named one
        struct stat named {};
        if (fstatat(dir.get(), kLockName, &named, AT_SYMLINK_NOFOLLOW) != 0 || named.st_ino != st.st_ino ||
            named.st_dev != st.st_dev) {
            if (attempt < 10) continue;
            *err = "cannot lock " + path + ": it keeps being replaced";
            return nullptr;
        }
        remove_udig_files();
        if (!create_udig_file(UDIG_RING_SM_FNAME, UDIG_RING_SIZE, err) ||
            !create_udig_file(UDIG_RING_DESCS_SM_FNAME, sizeof(ppm_ring_buffer_info) + sizeof(udig_ring_buffer_status),
                              err)) {
            remove_udig_files();
            unlinkat(dir.get(), kLockName, 0);
            return nullptr;
        }
        char pid[32];
        int len = snprintf(pid, sizeof pid, "%d\n", static_cast<int>(getpid()));
        if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid, static_cast<size_t>(len), 0) != len) {
            // the lock holds without the pid; a second capture's message just lacks it
        }
        return std::make_unique<flock_lock>(std::move(dir), std::move(fd));
    }
}

}  // namespace kindling_live
