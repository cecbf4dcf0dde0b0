// The capabilities live capture needs (requirements.cpp checks them at start), and dropping every
// other one once the programs are attached and libsinsp has scanned /proc. Linux keeps capabilities
// per thread: every thread of the process (the JVM's included) drops them, each in a signal handler
// that runs on that thread.
#include "live_source.h"
#include "../handles.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace kindling_live {

namespace {

// What each capability that stays is for.
struct needed_cap {
    int number;
    const char* name;
    const char* purpose;
};

constexpr needed_cap kNeeded[] = {
    {CAP_BPF, "CAP_BPF", "load the eBPF programs and create their maps"},
    {CAP_PERFMON, "CAP_PERFMON", "attach the programs to tracepoints and let them read kernel memory"},
    {CAP_SYS_PTRACE, "CAP_SYS_PTRACE",
     "read the fds, executable, working folder and environment of other users' processes in /proc"},
    {CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH", "list /proc/PID/fd of other users' processes"},
};

uint64_t keep_mask() {
    uint64_t m = 0;
    for (const needed_cap& c : kNeeded) m |= 1ull << c.number;
    return m;
}

// The kernel lets CAP_SYS_ADMIN do what CAP_BPF and CAP_PERFMON do (bpf_capable(), perfmon_capable()):
// a container runtime that knows neither (Docker 20.10) can grant live capture that one instead.
constexpr uint64_t kBpfPerfmon = (1ull << CAP_BPF) | (1ull << CAP_PERFMON);

bool sys_admin_stands_in(uint64_t caps) {
    return (caps & kBpfPerfmon) != kBpfPerfmon && (caps >> CAP_SYS_ADMIN & 1) != 0;
}

uint64_t caps_of(const char* status_path, const char* field) {
    std::ifstream in(status_path);
    std::string line;
    size_t n = strlen(field);
    while (std::getline(in, line)) {
        if (line.compare(0, n, field) == 0) return std::stoull(line.substr(n), nullptr, 16);
    }
    return ~0ull;
}

std::atomic<uint64_t> g_target{0};
std::atomic<int> g_failures{0};
constexpr int kDropSignal = 61;  // a real-time signal neither glibc nor the JVM uses

// This thread keeps only the target capabilities. Raw system calls only: it runs in a signal handler.
void drop_on_this_thread() {
    uint64_t target = g_target.load();
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if ((target >> cap & 1) == 0) {
            syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0,
                    0);  // fails without CAP_SETPCAP: then the bounding set stays
        }
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    data[0].effective = data[0].permitted = static_cast<uint32_t>(target);
    data[1].effective = data[1].permitted = static_cast<uint32_t>(target >> 32);
    if (syscall(SYS_capset, &header, data) != 0) g_failures.fetch_add(1);
}

void on_drop_signal(int) {
    int saved = errno;
    drop_on_this_thread();
    errno = saved;
}

}  // namespace

std::string missing_capabilities() {
    uint64_t eff = caps_of("/proc/self/status", "CapEff:");
    if (sys_admin_stands_in(eff)) eff |= kBpfPerfmon;
    std::string missing;
    for (const needed_cap& c : kNeeded) {
        if ((eff >> c.number & 1) == 0) {
            missing += (missing.empty() ? "" : "; ") + std::string(c.name) + " (to " + c.purpose + ")";
        }
    }
    return missing;
}

std::string keep_only_needed_capabilities() {
    uint64_t now = caps_of("/proc/self/status", "CapPrm:");
    uint64_t target = now & keep_mask();
    bool admin = sys_admin_stands_in(now);
    if (admin) target |= 1ull << CAP_SYS_ADMIN;
    g_target.store(target);
    g_failures.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_drop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    struct sigaction previous {};
    if (sigaction(kDropSignal, &sa, &previous) != 0) return std::string("cannot drop capabilities: ") + strerror(errno);
    pid_t pid = getpid();
    pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    int left = 0;
    for (int round = 0; round < 200; round++) {
        left = 0;
        kindling_handles::dir_ptr d(opendir("/proc/self/task"));
        if (!d) break;
        while (dirent* e = readdir(d.get())) {
            if (e->d_name[0] == '.') continue;
            pid_t tid = static_cast<pid_t>(atoi(e->d_name));
            std::string status = std::string("/proc/self/task/") + e->d_name + "/status";
            uint64_t prm = caps_of(status.c_str(), "CapPrm:");
            if (prm == ~0ull || (prm & ~target) == 0) continue;  // gone, or done
            left++;
            if (tid == self) {
                drop_on_this_thread();
            } else {
                syscall(SYS_tgkill, pid, tid, kDropSignal);
            }
        }
        d.reset();
        if (left == 0) break;
        timespec pause{0, 5 * 1000 * 1000};
        nanosleep(&pause, nullptr);
    }
    // what is still pending is discarded; the handler is not needed any more
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(kDropSignal, &ignore, nullptr);
    std::string kept;
    for (const needed_cap& c : kNeeded) {
        if (target >> c.number & 1) kept += (kept.empty() ? "" : ", ") + std::string(c.name);
    }
    if (admin) {
        kept += std::string(kept.empty() ? "" : ", ") +
                "CAP_SYS_ADMIN (in place of CAP_BPF and CAP_PERFMON, which this process was not given)";
    }
    if (kept.empty()) kept = "none";
    if (left > 0 || g_failures.load() > 0) {
        return "capabilities: " + std::to_string(left) + " threads could not drop theirs; kept " + kept;
    }
    return "capabilities kept: " + kept;
}

}  // namespace kindling_live
