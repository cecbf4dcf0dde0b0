// Opens libsinsp on the eBPF source as the probe does (live_open.cpp): the programs attach first,
// then open_udig() creates the ring and scans /proc, then the source delivers.
#pragma once

#include "../../main/native/live/live_source.h"

#include <sinsp.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace live_check {

inline std::unique_ptr<kindling_live::source> open_live_source(sinsp& inspector, std::string* err,
                                                               uint32_t snaplen = 0) {
    kindling_live::settings s;
    s.own_tgid = static_cast<uint32_t>(getpid());
    if (snaplen) s.snaplen = snaplen;
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

}  // namespace live_check
