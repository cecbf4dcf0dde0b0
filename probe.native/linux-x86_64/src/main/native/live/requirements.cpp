// Whether this host can run the eBPF source: privileges, kernel version, kernel BTF.
#include "live_source.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>

namespace kindling_live {

std::string missing_requirement() {
    std::string missing = missing_capabilities();
    if (!missing.empty()) {
        return "live capture needs " + missing +
               (geteuid() == 0
                    ? ", which this root process lacks; run it with every capability live capture needs (in a "
                      "container: --cap-add BPF --cap-add PERFMON --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH)"
                    : "; run it as root (sudo) or grant CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH");
    }
    utsname u{};
    int major = 0, minor = 0;
    if (uname(&u) == 0) sscanf(u.release, "%d.%d", &major, &minor);
    if (major < 5 || (major == 5 && minor < 8)) {
        return std::string("live capture needs a kernel >= 5.8 (BPF ring buffer), this one is ") + u.release +
               "; upgrade the kernel, or replay captures instead";
    }
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        return "live capture needs kernel BTF (/sys/kernel/btf/vmlinux is missing); use a kernel built with "
               "CONFIG_DEBUG_INFO_BTF=y";
    }
    return std::string();
}

}  // namespace kindling_live
