/*
 * Kindling Probe for OSGi - structural check of a capture file (see capture_check.h).
 *
 * The rules only reject what a real capture never contains (checked against the Falco
 * and falcosecurity/libs test captures, which pass all of them):
 *   - an event type outside the event table, or more parameters than the driver allows;
 *   - parameter lengths that add up to more than the event's own length;
 *   - a fixed-size parameter (integers, fds, pids, flags...) whose length is neither 0
 *     nor the size of its type;
 *   - a string parameter that does not end with its NUL;
 *   - a socket address or tuple shorter than its address family requires;
 *   - an exit event with some, but fewer than half, of the parameters of its type:
 *     libsinsp's exit parsers (clone, vfork, execve...) index parameters without checking
 *     their count. Older drivers did write fewer parameters, but either none at all (e.g.
 *     getsockopt and setsockopt exits) or all but a trailing few (e.g. open 4 of 5);
 *     enter events are not checked (0 parameters is common there).
 */
#include "capture_check.h"
#include "handles.h"

#include <scap.h>

#include <cstring>
#include <exception>

namespace kindling_probe {
namespace {

/* Size of a fixed-size parameter type, 0 for variable-size types. */
uint32_t fixed_size(ppm_param_type type) {
    switch (type) {
    case PT_INT8:
    case PT_UINT8:
    case PT_FLAGS8:
    case PT_SIGTYPE: return 1;
    case PT_INT16:
    case PT_UINT16:
    case PT_FLAGS16:
    case PT_SYSCALLID: return 2;
    case PT_INT32:
    case PT_UINT32:
    case PT_FLAGS32:
    case PT_UID:
    case PT_GID:
    case PT_MODE:
    case PT_BOOL:
    case PT_SIGSET: return 4;
    case PT_INT64:
    case PT_UINT64:
    case PT_FD:
    case PT_PID:
    case PT_ERRNO:
    case PT_RELTIME:
    case PT_ABSTIME:
    case PT_DOUBLE: return 8;
    default: return 0;
    }
}

/* Minimum length of a socket address (tuple == false) or tuple for its family byte. */
uint32_t min_socket_len(uint8_t family, bool tuple) {
    switch (family) {
    case PPM_AF_INET: return tuple ? 1 + 4 + 2 + 4 + 2 : 1 + 4 + 2;
    case PPM_AF_INET6: return tuple ? 1 + 16 + 2 + 16 + 2 : 1 + 16 + 2;
    case PPM_AF_UNIX: return tuple ? 1 + 8 + 8 : 1;
    default: return 1;
    }
}

/* Checks one event; returns nullptr when it is safe, else a static description. */
const char* check_event(const scap_evt* ev, const struct ppm_event_info* table) {
    if (ev->type >= PPM_EVENT_MAX) {
        return "event type outside the event table";
    }
    if (ev->nparams > PPM_MAX_EVENT_PARAMS) {
        return "too many parameters";
    }
    const struct ppm_event_info& info = table[ev->type];
    if (!PPME_IS_ENTER(ev->type) && ev->nparams > 0 && ev->nparams * 2 < info.nparams) {
        return "exit event with fewer than half the parameters of its type";
    }
    const size_t len_size = (info.flags & EF_LARGE_PAYLOAD) ? sizeof(uint32_t) : sizeof(uint16_t);
    const size_t header = sizeof(scap_evt) + ev->nparams * len_size;
    if (header > ev->len) {
        return "parameter length table longer than the event";
    }
    const uint8_t* lens = reinterpret_cast<const uint8_t*>(ev) + sizeof(scap_evt);
    const uint8_t* value = lens + ev->nparams * len_size;
    size_t total = header;
    for (uint32_t i = 0; i < ev->nparams; i++) {
        uint32_t len = 0;
        std::memcpy(&len, lens + i * len_size, len_size);
        total += len;
        if (total > ev->len) {
            return "parameter lengths add up to more than the event length";
        }
        if (i < info.nparams && len > 0) {
            ppm_param_type type = info.params[i].type;
            uint32_t fixed = fixed_size(type);
            if (fixed != 0 && len != fixed) {
                return "fixed-size parameter with a wrong length";
            }
            if ((type == PT_CHARBUF || type == PT_FSPATH || type == PT_FSRELPATH) && value[len - 1] != '\0') {
                return "string parameter without its terminating NUL";
            }
            if ((type == PT_SOCKADDR || type == PT_SOCKTUPLE) && len < min_socket_len(value[0], type == PT_SOCKTUPLE)) {
                return "socket address shorter than its family requires";
            }
        }
        value += len;
    }
    return nullptr;
}

}  // namespace

capture_check_result check_capture_file(const char* path) noexcept {
    capture_check_result result;
    kindling_handles::owned<scap_t, scap_close> handle;
    try {
        char error[SCAP_LASTERR_SIZE] = {0};
        int32_t rc = SCAP_SUCCESS;
        handle.reset(scap_open_offline(path, error, &rc));
        if (!handle) {
            return result;
        }
        const struct ppm_event_info* table = scap_get_event_info_table();
        int timeouts = 0;
        for (;;) {
            scap_evt* ev = nullptr;
            uint16_t cpu = 0;
            int32_t res = scap_next(handle.get(), &ev, &cpu);
            if (res == SCAP_TIMEOUT && ++timeouts < 1000) {
                continue;
            }
            timeouts = 0;
            if (res != SCAP_SUCCESS || ev == nullptr) {
                break;
            }
            const char* problem = check_event(ev, table);
            if (problem != nullptr) {
                result.first_bad_event = result.events_checked;
                result.reason = problem;
                break;
            }
            result.events_checked++;
        }
    } catch (...) {
        /* only std::string can throw here (bad_alloc); report what was found so far */
    }
    return result;
}

}  // namespace kindling_probe
