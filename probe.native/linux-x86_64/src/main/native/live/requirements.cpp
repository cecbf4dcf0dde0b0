// Whether this host can run the eBPF source: privileges, kernel version, kernel BTF.
#include "live_source.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>

namespace kindling_live {

namespace {

constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;
constexpr int kCapSysAdmin = 21;

uint64_t effective_caps() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    }
    return 0;
}

}  // namespace

std::string missing_requirement() {
    uint64_t caps = effective_caps();
    bool bpf_caps = (caps >> kCapBpf & 1) && (caps >> kCapPerfmon & 1);
    bool admin = caps >> kCapSysAdmin & 1;
    if (!bpf_caps && !admin) {
        return geteuid() == 0
                   ? "live capture needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), which this root process lacks; run it with those capabilities (in a container: --cap-add BPF --cap-add PERFMON)"
                   : "live capture needs root, or CAP_BPF and CAP_PERFMON; run it as root (sudo) or grant the capabilities";
    }
    utsname u{};
    int major = 0, minor = 0;
    if (uname(&u) == 0) sscanf(u.release, "%d.%d", &major, &minor);
    if (major < 5 || (major == 5 && minor < 8)) {
        return std::string("live capture needs a kernel >= 5.8 (BPF ring buffer), this one is ") + u.release +
               "; upgrade the kernel, or replay captures instead";
    }
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        return "live capture needs kernel BTF (/sys/kernel/btf/vmlinux is missing); use a kernel built with CONFIG_DEBUG_INFO_BTF=y";
    }
    return std::string();
}

}  // namespace kindling_live
