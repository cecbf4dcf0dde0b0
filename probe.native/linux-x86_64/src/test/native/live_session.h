// Opens libsinsp on the eBPF source as the probe does (live_open.cpp): the programs attach first,
// then open_udig() creates the ring and scans /proc, then the source delivers.
#pragma once

#include "../../main/native/live/live_source.h"

#include <sinsp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <memory>
#include <string>

namespace live_check {

// on_demand: only what libsinsp's state needs loads now, the rest when a filter asks (as the probe does).
inline std::unique_ptr<kindling_live::source> open_live_source(sinsp& inspector, std::string* err, uint32_t snaplen = 0,
                                                               bool on_demand = false) {
    kindling_live::settings s;
    s.own_tgid = static_cast<uint32_t>(getpid());
    if (snaplen) s.snaplen = snaplen;
    s.load_on_demand = on_demand;
    std::unique_ptr<kindling_live::source> src = kindling_live::attach(s, err);
    if (!src) return nullptr;
    inspector.open_udig();
    if (!src->deliver(err)) {
        src->stop();
        inspector.close();
        return nullptr;
    }
    return src;
}

// Hands every event of the process `child` that libsinsp reads to f, until the child has exited and
// half a second more has passed (for its last events), or 20 seconds at most. The child is reaped.
template <typename F>
void read_child_events(sinsp& inspector, int child, F f) {
    bool exited = false;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
        sinsp_evt* ev = nullptr;
        int32_t rc = inspector.next(&ev);
        if (!exited && waitpid(child, nullptr, WNOHANG) == child) {
            exited = true;
            end = std::min(end, std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
        }
        if (rc != SCAP_SUCCESS || !ev) continue;
        sinsp_threadinfo* ti = ev->get_thread_info();
        if (ti && ti->m_pid == child) f(ev);
    }
}

}  // namespace live_check
