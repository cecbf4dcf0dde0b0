// The live source at its edges, against the real kernel and the real libsinsp:
//  - large I/O: with a snaplen of 40,000 bytes, writev, sendmsg and recvmsg of three 16 KiB buffers
//    (and a writev whose buffers end near 32 KiB) must come back with their header intact and their
//    data byte for byte, or be counted as dropped;
//  - poll and ppoll on 20 descriptors: the event lists the descriptors the workload polled;
//  - a udig ring whose head, tail and consumer snaplen someone else overwrote during the run: the
//    producer writes nothing outside the ring, counts what it could not write, ignores a snaplen
//    past the probe's limit, and carries on once the ring is sane again.
#include <string>

#include "edge_check.h"
#include "live_session.h"
#include "../../main/native/live/live_source.h"

#include <sinsp.h>
#include <ppm_ringbuffer.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace live_check {

namespace {

using check_fn = void (*)(bool, const std::string&);

constexpr uint32_t kSnaplen = 40000;
constexpr int kPollFds = 20;

uint8_t pattern(size_t i) { return static_cast<uint8_t>((i * 7 + i / 251) & 0xff); }

// The bytes of a stream cut into buffers of the given sizes.
std::vector<std::vector<uint8_t>> buffers(const std::vector<size_t>& sizes) {
    std::vector<std::vector<uint8_t>> out;
    size_t at = 0;
    for (size_t n : sizes) {
        std::vector<uint8_t> b(n);
        for (size_t i = 0; i < n; i++) b[i] = pattern(at + i);
        at += n;
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<iovec> iovecs(std::vector<std::vector<uint8_t>>& bufs) {
    std::vector<iovec> v;
    for (auto& b : bufs) v.push_back({b.data(), b.size()});
    return v;
}

struct seen {
    std::string name;
    bool enter;
    int64_t tid;
    int64_t res = INT64_MIN;
    std::vector<uint8_t> data;
    bool has_data = false;
    std::string fds;
    std::string tuple;
};

// The events of the workload child, until it has exited.
std::vector<seen> collect(sinsp& inspector, int child) {
    std::vector<seen> out;
    read_child_events(inspector, child, [&](sinsp_evt* ev) {
        seen e;
        e.name = ev->get_name();
        e.enter = PPME_IS_ENTER(ev->get_type());
        e.tid = ev->get_tid();
        for (uint32_t i = 0; i < ev->get_num_params(); i++) {
            std::string pname = ev->get_param_name(i);
            sinsp_evt_param* p = ev->get_param(i);
            if (!p) continue;
            if (pname == "res" && p->m_len == 8) memcpy(&e.res, p->m_val, 8);
            if (pname == "data") {
                e.has_data = true;
                e.data.assign(p->m_val, p->m_val + p->m_len);
            }
            if (pname == "fds") e.fds = ev->get_param_value_str(pname);
            if (pname == "tuple") e.tuple = ev->get_param_value_str(pname);
        }
        out.push_back(std::move(e));
    });
    return out;
}

// The data of an exit event: snaplen bytes of the stream (or all of it when shorter).
bool data_intact(const seen& e, size_t total) {
    size_t want = total < kSnaplen ? total : kSnaplen;
    if (!e.has_data || e.data.size() != want) return false;
    for (size_t i = 0; i < want; i++)
        if (e.data[i] != pattern(i)) return false;
    return true;
}

std::string describe(const std::vector<seen>& evs, const std::string& name) {
    std::string out;
    for (const auto& e : evs)
        if (e.name == name && !e.enter)
            out += " [res=" + std::to_string(e.res) + " data=" + std::to_string(e.data.size()) + " bytes]";
    return out.empty() ? " none" : out;
}

// The descriptor numbers of a PT_FDLIST as libsinsp prints it ("3:p1 4:p0 ...").
std::vector<int> fd_numbers(const std::string& s) {
    std::vector<int> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') i++;
        size_t colon = s.find(':', i);
        if (colon == std::string::npos) break;
        out.push_back(atoi(s.substr(i, colon - i).c_str()));
        size_t space = s.find(' ', colon);
        i = space == std::string::npos ? s.size() : space;
    }
    return out;
}

int large_io_and_poll(check_fn check) {
    sinsp inspector;
    std::string err;
    auto src = open_live_source(inspector, &err, kSnaplen);
    if (!src) {
        fprintf(stderr, "%s\n", err.c_str());
        return -1;
    }
    inspector.set_snaplen(kSnaplen);
    // the descriptors the child polls exist before the fork: the check knows their numbers
    std::vector<int> polled;
    for (int i = 0; i < kPollFds; i++) polled.push_back(eventfd(0, EFD_NONBLOCK));
    int sp[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
    int big = 1 << 20;
    setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    pid_t child = fork();
    if (child == 0) {
        usleep(300000);
        // three readable descriptors among the twenty
        uint64_t one = 1;
        for (int i : {0, 7, kPollFds - 1})
            if (write(polled[i], &one, sizeof one) != sizeof one) _exit(2);
        std::vector<pollfd> pf;
        for (int fd : polled) pf.push_back({fd, POLLIN, 0});
        if (poll(pf.data(), pf.size(), 0) != 3) _exit(3);
        timespec zero{0, 0};
        if (ppoll(pf.data(), pf.size(), &zero, nullptr) != 3) _exit(4);
        int null = open("/dev/null", O_WRONLY);
        auto a = buffers({16384, 16384, 16384});
        auto va = iovecs(a);
        if (writev(null, va.data(), va.size()) != 49152) _exit(5);
        // buffers that end 32,768 bytes into the event: the next one starts past the half of the scratch
        auto b = buffers({16000, 16000, 730, 8000});
        auto vb = iovecs(b);
        if (writev(null, vb.data(), vb.size()) != 40730) _exit(6);
        msghdr mh{};
        mh.msg_iov = va.data();
        mh.msg_iovlen = va.size();
        if (sendmsg(sp[0], &mh, 0) != 49152) _exit(7);
        auto r = buffers({16384, 16384, 16384});
        auto vr = iovecs(r);
        msghdr rh{};
        rh.msg_iov = vr.data();
        rh.msg_iovlen = vr.size();
        size_t got = 0;
        while (got < 49152) {
            ssize_t n = recvmsg(sp[1], &rh, MSG_WAITALL);
            if (n <= 0) _exit(8);
            got += static_cast<size_t>(n);
        }
        _exit(0);
    }
    std::vector<seen> evs = collect(inspector, child);
    src->stop();
    kindling_live::counters c = src->read_counters();
    inspector.close();
    for (int fd : polled) close(fd);
    close(sp[0]);
    close(sp[1]);

    printf("large I/O (snaplen %u): %zu events of the workload; drops_invalid=%llu\n", kSnaplen, evs.size(),
           (unsigned long long)c.drops_invalid);
    printf("writev exits:%s\nsendmsg exits:%s\nrecvmsg exits:%s\n", describe(evs, "writev").c_str(),
           describe(evs, "sendmsg").c_str(), describe(evs, "recvmsg").c_str());
    auto find_exit = [&](const std::string& name, int64_t res) -> const seen* {
        for (const auto& e : evs)
            if (e.name == name && !e.enter && e.res == res) return &e;
        return nullptr;
    };
    // an event that did not fit may be dropped, but then counted: never delivered torn
    auto intact_or_counted = [&](const std::string& name, int64_t res, const std::string& what) {
        const seen* e = find_exit(name, res);
        bool ok = e ? data_intact(*e, static_cast<size_t>(res)) : c.drops_invalid > 0;
        check(ok, what + (e ? ": header intact, " + std::to_string(e->data.size()) + " bytes of data as written"
                            : ": not delivered, counted as dropped"));
        return e != nullptr;
    };
    bool all = intact_or_counted("writev", 49152, "writev of three 16 KiB buffers");
    all &= intact_or_counted("writev", 40730, "writev whose buffers reach past 32 KiB of the event");
    all &= intact_or_counted("sendmsg", 49152, "sendmsg of three 16 KiB buffers");
    all &= intact_or_counted("recvmsg", 49152, "recvmsg into three 16 KiB buffers");
    // the probe's own limit is above this snaplen: each of them fits
    check(all, "large I/O: every one of the four events delivered with snaplen " + std::to_string(kSnaplen));
    const seen* r = find_exit("recvmsg", 49152);
    check(r && !r->tuple.empty(), "recvmsg: the tuple after the data is intact (" + (r ? r->tuple : "") + ")");

    // poll and ppoll: every descriptor polled, in order
    std::vector<int> want(polled.begin(), polled.end());
    for (const char* name : {"poll", "ppoll"}) {
        const seen* enter = nullptr;
        const seen* exit = nullptr;
        for (const auto& e : evs) {
            if (e.name != name) continue;
            if (e.enter && !enter) enter = &e;
            if (!e.enter && !exit) exit = &e;
        }
        std::vector<int> got = enter ? fd_numbers(enter->fds) : std::vector<int>();
        check(got == want, std::string(name) + " enter lists the " + std::to_string(kPollFds) +
                               " descriptors polled (" + (enter ? enter->fds : "no event") + ")");
        check(exit && exit->res == 3 && fd_numbers(exit->fds) == want,
              std::string(name) + " exit: 3 ready, the " + std::to_string(kPollFds) + " descriptors listed (" +
                  (exit ? exit->fds : "no event") + ")");
    }
    return 0;
}

// A child that writes 1,000 bytes to /dev/null `n` times, 5 ms apart.
pid_t writer(int n) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    int fd = open("/dev/null", O_WRONLY);
    char buf[1000];
    memset(buf, 'k', sizeof buf);
    for (int i = 0; i < n; i++) {
        if (write(fd, buf, sizeof buf) != sizeof buf) _exit(1);
        usleep(5000);
    }
    _exit(0);
}

int corrupt_ring(check_fn check) {
    sinsp inspector;
    std::string err;
    auto src = open_live_source(inspector, &err);
    if (!src) {
        fprintf(stderr, "%s\n", err.c_str());
        return -1;
    }
    // the consumer's side of the ring, as anyone who can open it sees it
    int dfd = shm_open(UDIG_RING_DESCS_SM_FNAME, O_RDWR, 0);
    int bfd = shm_open(UDIG_RING_SM_FNAME, O_RDONLY, 0);
    struct stat bst {};
    check(dfd >= 0 && bfd >= 0 && fstat(bfd, &bst) == 0, "corrupt ring: the ring's shared memory opens");
    if (dfd < 0 || bfd < 0) return 0;
    size_t dsize = sizeof(ppm_ring_buffer_info) + sizeof(udig_ring_buffer_status);
    void* dm = mmap(nullptr, dsize, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
    size_t bsize = static_cast<size_t>(bst.st_size);
    void* bm = mmap(nullptr, bsize, PROT_READ, MAP_SHARED, bfd, 0);
    close(dfd);
    close(bfd);
    auto* info = static_cast<ppm_ring_buffer_info*>(dm);
    auto* status = reinterpret_cast<udig_ring_buffer_status*>(info + 1);
    // the ring's bytes: while head or tail is wrong the producer must write none of them (and
    // nothing outside them, which would end this process)
    auto ring_bytes = [&] {
        const uint8_t* b = static_cast<const uint8_t*>(bm);
        return std::vector<uint8_t>(b, b + bsize);
    };

    auto drain = [&](int ms) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        uint64_t n = 0;
        while (std::chrono::steady_clock::now() < end) {
            sinsp_evt* ev = nullptr;
            if (inspector.next(&ev) == SCAP_SUCCESS) n++;
        }
        return n;
    };
    drain(300);
    uint32_t snaplen_before = status->m_consumer.snaplen;
    kindling_live::counters c0 = src->read_counters();

    // libsinsp is not reading now: only the producer sees the ring while it is wrong
    uint32_t head = info->head;
    uint32_t tail = info->tail;
    info->head = 0x80000000u;
    usleep(50000);  // a write that began before is done
    std::vector<uint8_t> ring_before = ring_bytes();
    pid_t w1 = writer(40);
    waitpid(w1, nullptr, 0);
    usleep(200000);
    kindling_live::counters c1 = src->read_counters();
    info->tail = RING_BUF_SIZE + 64;
    __atomic_store_n(&info->head, head, __ATOMIC_RELEASE);
    pid_t w2 = writer(10);
    waitpid(w2, nullptr, 0);
    usleep(200000);
    kindling_live::counters c2 = src->read_counters();
    std::vector<uint8_t> ring_after = ring_bytes();
    info->tail = tail;

    // a snaplen past the probe's limit: ignored, the one before stays
    status->m_consumer.snaplen = 0xfffffff0u;
    usleep(300000);  // the producer looks at the consumer's settings ten times a second
    pid_t w3 = writer(10);
    std::map<size_t, int> lengths;
    read_child_events(inspector, w3, [&](sinsp_evt* ev) {
        if (ev->get_type() != PPME_SYSCALL_WRITE_X) return;
        for (uint32_t i = 0; i < ev->get_num_params(); i++)
            if (std::string(ev->get_param_name(i)) == "data") lengths[ev->get_param(i)->m_len]++;
    });
    status->m_consumer.snaplen = snaplen_before;
    src->stop();
    kindling_live::counters c3 = src->read_counters();
    inspector.close();
    munmap(dm, dsize);
    munmap(bm, bsize);

    printf(
        "corrupt ring: udig_ring_corrupt %llu -> %llu -> %llu -> %llu, drops_udig_ring %llu -> %llu -> %llu; "
        "consumer snaplen %u; data lengths of the writes afterwards:",
        (unsigned long long)c0.udig_ring_corrupt, (unsigned long long)c1.udig_ring_corrupt,
        (unsigned long long)c2.udig_ring_corrupt, (unsigned long long)c3.udig_ring_corrupt,
        (unsigned long long)c0.drops_udig_ring, (unsigned long long)c1.drops_udig_ring,
        (unsigned long long)c2.drops_udig_ring, snaplen_before);
    for (auto& kv : lengths) printf(" %zu bytes x%d", kv.first, kv.second);
    printf("\n");
    check(c1.udig_ring_corrupt > c0.udig_ring_corrupt && c1.drops_udig_ring >= c0.drops_udig_ring + 40,
          "a head past the ring's end: the producer wrote nothing, counted the ring as corrupt and the events as "
          "dropped");
    check(c2.udig_ring_corrupt > c1.udig_ring_corrupt && c2.drops_udig_ring >= c1.drops_udig_ring + 10,
          "a tail past the ring's end: the same");
    check(ring_after == ring_before,
          "while head or tail was wrong, not one of the ring's " + std::to_string(bsize) + " bytes changed");
    check(lengths.size() == 1 && lengths.begin()->first == snaplen_before && lengths.begin()->second == 10,
          "a consumer snaplen past the probe's limit is ignored: the 10 writes after it carry " +
              std::to_string(snaplen_before) + " bytes each");
    check(c3.udig_ring_corrupt > c2.udig_ring_corrupt, "the bad snaplen was counted too");
    return 0;
}

}  // namespace

int run_edge_check(check_fn check) {
    if (large_io_and_poll(check) < 0) return -1;
    if (corrupt_ring(check) < 0) return -1;
    return 0;
}

}  // namespace live_check
