/*
 * Kindling Probe for OSGi - the shim's entry points (kindling_shim.h), called from Java through
 * JNA: handles, errors and the event table here; the reading in session.cpp, the batch layout in
 * batch_writer.cpp, live captures in live_open.cpp, the capture file check in capture_check.cpp.
 *
 * The shim is deliberately small: libsinsp tracks the state (threads, fds), the shim drops what
 * the Kindling probe drops, applies the filter table pushed down by Java and copies the surviving
 * events into a caller-provided batch buffer. Java decides the rest.
 */
#include "kindling_shim.h"

#include "batch_writer.h"
#include "capture_check.h"
#include "container_id.h"
#include "live_open.h"
#include "session.h"
#include "shim_util.h"

#include <sinsp.h>

#include <malloc.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <stdexcept>
#include <map>
#include <memory>
#include <mutex>
#include <string>

using namespace kindling_probe;

namespace {

std::mutex g_registry_mu;
std::map<int64_t, std::shared_ptr<session>> g_registry;
int64_t g_next_id = 1;

/* Error of calls that have no valid handle to store it in (kp_last_error(0, ...)). */
std::mutex g_error_mu;
std::string g_last_error;

void set_global_error(const std::string& msg) noexcept {
    try {
        std::lock_guard<std::mutex> lock(g_error_mu);
        g_last_error = msg;
    } catch (...) {
    }
}

void set_global_error(const char* prefix, const char* what) noexcept {
    try {
        std::string msg(prefix != nullptr ? prefix : "");
        msg += what != nullptr ? what : "";
        set_global_error(msg);
    } catch (...) {
    }
}

std::shared_ptr<session> lookup(int64_t h) {
    if (h <= 0) {
        set_global_error("invalid handle 0");
        return nullptr;
    }
    std::lock_guard<std::mutex> lock(g_registry_mu);
    auto it = g_registry.find(h);
    if (it == g_registry.end()) {
        set_global_error("unknown or closed handle " + std::to_string(h));
        return nullptr;
    }
    return it->second;
}

int64_t register_handle(std::shared_ptr<session> handle) {
    std::lock_guard<std::mutex> lock(g_registry_mu);
    int64_t id = g_next_id++;
    g_registry[id] = std::move(handle);
    return id;
}

/* Stores why a call on a handle failed where kp_last_error(h) reads it: the handle's error, or the
 * global one when there is no handle. */
void report(const std::shared_ptr<session>& handle, const char* fn, const char* what) noexcept {
    if (handle) {
        handle->set_error((std::string(fn) + ": ").c_str(), what);
    } else {
        set_global_error((std::string(fn) + ": ").c_str(), what);
    }
}

/* Every entry point on a handle: looks it up, runs body with its session and turns whatever it
 * throws into `failed`, with the reason where kp_last_error(h) reads it. No exception leaves. */
template <typename R, typename Body>
R with_session(int64_t h, const char* fn, R failed, Body body) noexcept {
    std::shared_ptr<session> handle;
    try {
        handle = lookup(h);
        if (!handle) {
            return failed;
        }
        return body(*handle);
    } catch (const std::exception& e) {
        report(handle, fn, e.what() != nullptr && e.what()[0] != '\0' ? e.what() : "failed");
    } catch (...) {
        report(handle, fn, "unknown exception");
    }
    return failed;
}

/* Opens a sinsp inspector with `opener` and registers it; 0 and a message on failure.
 * For a capture file (check_path != nullptr) the file is first checked structurally. */
template <typename Opener>
int64_t open_handle(bool live, const char* check_path, Opener opener, char* err, int32_t errcap,
                    int32_t* refusal = nullptr) noexcept {
    const char* what = nullptr;
    if (refusal != nullptr) {
        *refusal = KP_LIVE_FAILED;
    }
    try {
        auto handle = std::make_shared<session>();
        handle->live = live;
        if (check_path != nullptr) {
            kindling_probe::capture_check_result check = kindling_probe::check_capture_file(check_path);
            handle->first_bad_event = check.first_bad_event;
            handle->bad_event_reason = check.reason;
        }
        handle->own_pid.store(static_cast<int64_t>(getpid()));
        handle->insp.reset(new sinsp());
        handle->container_slot = kindling_probe::reserve_container_slot(handle->insp.get());
        handle->insp->set_hostname_and_port_resolution_mode(false);
        /* libsinsp keeps a process whose main thread ended before its other threads (Go programs: runc,
         * containerd-shim, the docker client, a few of each per container started) in its thread table,
         * flagged closed, until its periodic scan, by default every 20 minutes: a host that starts many
         * short-lived containers grows the table and the memory by about ten threads per container. A scan
         * every few seconds forgets them soon after they end (a loop over the table; live threads stay): it
         * is set once the capture has run past libsinsp's first scan (session.cpp). */
        opener(*handle);
        int64_t id = register_handle(std::move(handle));
        copy_message("", err, errcap);
        if (refusal != nullptr) {
            *refusal = KP_LIVE_OK;
        }
        return id;
    } catch (const live_refused& e) {
        if (refusal != nullptr) {
            *refusal = e.reason();
        }
        set_global_error("", e.what());
        copy_message(e.what(), err, errcap);
        return 0;
    } catch (const std::exception& e) {
        what = e.what();
        if (what == nullptr || what[0] == '\0') {
            what = "libsinsp failed to open the capture";
        }
        /* copied while the exception object is alive */
        set_global_error("", what);
        copy_message(what, err, errcap);
        return 0;
    } catch (...) {
        what = "unknown exception while opening the capture";
        set_global_error("", what);
        copy_message(what, err, errcap);
        return 0;
    }
}

std::string bounded_cstr(const char* s, size_t max) {
    if (s == nullptr) {
        return std::string();
    }
    return std::string(s, strnlen(s, max));
}

std::string build_event_table() {
    std::string text;
    text.reserve(64 * 1024);
    const struct ppm_event_info* events = scap_get_event_info_table();
    for (uint32_t t = 0; events != nullptr && t < PPM_EVENT_MAX; t++) {
        const struct ppm_event_info& info = events[t];
        text += "E\t";
        text += std::to_string(t);
        text += '\t';
        text += bounded_cstr(info.name, PPM_MAX_NAME_LEN);
        text += '\t';
        text += std::to_string(static_cast<int>(info.category));
        text += '\t';
        text += std::to_string(static_cast<int>(info.flags));
        text += '\t';
        uint32_t nparams = info.nparams;
        if (nparams > PPM_MAX_EVENT_PARAMS) {
            nparams = PPM_MAX_EVENT_PARAMS;
        }
        text += std::to_string(nparams);
        text += '\t';
        for (uint32_t i = 0; i < nparams; i++) {
            if (i > 0) {
                text += ',';
            }
            text += bounded_cstr(info.params[i].name, PPM_MAX_NAME_LEN);
            text += ':';
            text += std::to_string(static_cast<int>(info.params[i].type));
        }
        text += '\n';
    }
    /* Kindling's kernel TCP events: types of their own after libsinsp's (kernel_events.h) */
    append_kernel_event_rows(&text);
    const struct ppm_syscall_desc* syscalls = scap_get_syscall_info_table();
    for (uint32_t sc = 0; syscalls != nullptr && sc < PPM_SC_MAX; sc++) {
        text += "S\t";
        text += std::to_string(sc);
        text += '\t';
        text += bounded_cstr(syscalls[sc].name, 256);
        text += '\n';
    }
    return text;
}

}  // namespace

extern "C" {

int64_t kp_open_file(const char* path, char* err, int32_t errcap) {
    if (path == nullptr || path[0] == '\0') {
        set_global_error("no capture file given");
        copy_message("no capture file given", err, errcap);
        return 0;
    }
    return open_handle(
        false, path, [path](session& s) { s.insp->open(std::string(path)); }, err, errcap);
}

int64_t kp_open_live(const char* write_path, int32_t snaplen, int32_t bpf_ring_bytes, int32_t* refusal, char* err,
                     int32_t errcap) {
    live_options options;
    if (write_path != nullptr) {
        options.write_path = write_path;
    }
    if (snaplen > 0) {
        options.snaplen = static_cast<uint32_t>(snaplen);
    }
    if (bpf_ring_bytes > 0) {
        options.bpf_ring_bytes = static_cast<uint32_t>(bpf_ring_bytes);
    }
    return open_handle(
        true, nullptr, [&options](session& s) { open_live(s, options); }, err, errcap, refusal);
}

namespace {
/* A live capture loads the programs of a staged filter's events now, on the caller's thread, and
 * reads them from now on: the install at the next batch only makes the kernel side exact. */
void prepare_live(session& s) {
    if (!s.live_source) {
        return;
    }
    filter_table main;
    filter_table threadless;
    {
        std::lock_guard<std::mutex> lock(s.staged_mu);
        main = s.staged_dirty ? s.staged : s.active;
        threadless = s.staged_threadless_dirty ? s.staged_threadless : s.active_threadless;
    }
    s.live_source->prepare(main, threadless);
}
}  // namespace

int32_t kp_set_filter(int64_t h, const uint8_t* types, int32_t ntypes, const uint8_t* generic, int32_t nsc) {
    return with_session(h, "kp_set_filter", -1, [&](session& s) -> int32_t {
        if (ntypes < 0 || nsc < 0 || ntypes > KP_MAX_TABLE_ROWS || nsc > KP_MAX_TABLE_ROWS ||
            (ntypes > 0 && types == nullptr) || (nsc > 0 && generic == nullptr)) {
            throw std::invalid_argument("invalid table sizes or null table");
        }
        filter_table t;
        t.ntypes = ntypes;
        t.nsc = nsc;
        t.types.assign(types, types + static_cast<size_t>(ntypes) * KP_CATEGORY_CELLS);
        t.generic.assign(generic, generic + 2 * static_cast<size_t>(nsc) * KP_CATEGORY_CELLS);
        {
            std::lock_guard<std::mutex> lock(s.staged_mu);
            s.staged = std::move(t);
            s.staged_dirty = true;
        }
        prepare_live(s);
        return 0;
    });
}

int32_t kp_set_threadless_filter(int64_t h, const uint8_t* types, int32_t ntypes) {
    return with_session(h, "kp_set_threadless_filter", -1, [&](session& s) -> int32_t {
        if (ntypes < 0 || ntypes > KP_MAX_TABLE_ROWS || (ntypes > 0 && types == nullptr)) {
            throw std::invalid_argument("invalid table size or null table");
        }
        filter_table t;
        t.ntypes = ntypes;
        t.types.assign(types, types + static_cast<size_t>(ntypes) * KP_CATEGORY_CELLS);
        {
            std::lock_guard<std::mutex> lock(s.staged_mu);
            s.staged_threadless = std::move(t);
            s.staged_threadless_dirty = true;
        }
        prepare_live(s);
        return 0;
    });
}

int32_t kp_next_batch(int64_t h, void* buf, int32_t cap, int32_t maxEvents) {
    return with_session(h, "kp_next_batch", -1, [&](session& s) -> int32_t {
        if (buf == nullptr || cap < KP_BATCH_HEADER_SIZE) {
            throw std::invalid_argument("buffer is null or smaller than the 64-byte header");
        }
        std::lock_guard<std::mutex> lock(s.io_mu);
        return next_batch(s, static_cast<uint8_t*>(buf), static_cast<size_t>(cap), maxEvents);
    });
}

int32_t kp_last_error(int64_t h, char* out, int32_t cap) {
    try {
        std::string msg;
        std::shared_ptr<session> handle;
        if (h > 0) {
            std::lock_guard<std::mutex> lock(g_registry_mu);
            auto it = g_registry.find(h);
            if (it != g_registry.end()) {
                handle = it->second;
            }
        }
        if (handle) {
            msg = handle->get_error();
        } else {
            std::lock_guard<std::mutex> lock(g_error_mu);
            msg = g_last_error;
        }
        copy_message(msg, out, cap);
        return static_cast<int32_t>(msg.size() > 0x7FFFFFFF ? 0x7FFFFFFF : msg.size());
    } catch (...) {
        copy_message("", out, cap);
        return 0;
    }
}

int32_t kp_counters(int64_t h, int64_t* out, int32_t n) {
    return with_session(h, "kp_counters", -1, [&](session& s) -> int32_t {
        if (out == nullptr || n < 0) {
            throw std::invalid_argument("null or negative cells");
        }
        for (int32_t i = 0; i < n; i++) {
            out[i] = i < KP_CNT_COUNT ? s.counters[i].load(std::memory_order_relaxed) : 0;
        }
        return KP_CNT_COUNT;
    });
}

void kp_close(int64_t h) {
    try {
        std::shared_ptr<session> handle;
        {
            std::lock_guard<std::mutex> lock(g_registry_mu);
            auto it = g_registry.find(h);
            if (it == g_registry.end()) {
                return;
            }
            handle = std::move(it->second);
            g_registry.erase(it);
        }
        /* waits for a running batch; the inspector is closed when the last user is done */
        {
            std::lock_guard<std::mutex> lock(handle->io_mu);
            handle->pending = nullptr;
        }
        handle.reset();
        /* libsinsp's tables were freed: give the freed memory back to the system, so that a
         * process that opens capture after capture (the shell, bench) does not grow with each */
        malloc_trim(0);
    } catch (...) {
    }
}

int32_t kp_event_table(char* out, int32_t cap) {
    try {
        static const std::string text = build_event_table();
        size_t needed = text.size() + 1;  // NUL included
        if (needed > 0x7FFFFFFF) {
            return -1;
        }
        if (out != nullptr && cap > 0) {
            if (static_cast<size_t>(cap) >= needed) {
                std::memcpy(out, text.data(), text.size());
                out[text.size()] = '\0';
            } else {
                out[0] = '\0';
            }
        }
        return static_cast<int32_t>(needed);
    } catch (const std::exception& e) {
        set_global_error("kp_event_table: ", e.what());
        return -1;
    } catch (...) {
        return -1;
    }
}

int32_t kp_record_layout(char* out, int32_t cap) {
    try {
        static const std::string text = kindling_probe::record_layout_text();
        if (out == nullptr || cap <= 0 || text.size() + 1 > static_cast<size_t>(cap)) {
            return -1;
        }
        std::memcpy(out, text.c_str(), text.size() + 1);
        return static_cast<int32_t>(text.size());
    } catch (...) {
        return -1;
    }
}

int32_t kp_set_own_pid(int64_t h, int64_t pid) {
    return with_session(h, "kp_set_own_pid", -1, [&](session& s) -> int32_t {
        s.own_pid.store(pid);
        return 0;
    });
}

int32_t kp_capture_stats(int64_t h, int64_t* out, int32_t n) {
    return with_session(h, "kp_capture_stats", -1, [&](session& s) -> int32_t {
        if (out == nullptr || n < KP_STAT_COUNT) {
            throw std::invalid_argument("needs " + std::to_string(KP_STAT_COUNT) + " cells");
        }
        capture_statistics(s, out);
        return KP_STAT_COUNT;
    });
}

int64_t kp_count_rest(int64_t h) {
    return with_session(h, "kp_count_rest", int64_t{-1}, [&](session& s) -> int64_t {
        std::lock_guard<std::mutex> lock(s.io_mu);
        try {
            return count_rest(s);
        } catch (...) {
            s.count_only = false; /* under io_mu, as every other write of it */
            throw;
        }
    });
}

int32_t kp_set_snaplen(int64_t h, int32_t snaplen) {
    return with_session(h, "kp_set_snaplen", -1, [&](session& s) -> int32_t {
        if (!s.live || snaplen <= 0) {
            throw std::invalid_argument("only a live capture keeps a snaplen, of at least 1 byte");
        }
        std::lock_guard<std::mutex> lock(s.io_mu);
        s.insp->set_snaplen(static_cast<uint32_t>(snaplen));
        return 0;
    });
}

int32_t kp_set_socket_snaplen(int64_t h, int32_t bytes) {
    return with_session(h, "kp_set_socket_snaplen", -1, [&](session& s) -> int32_t {
        if (bytes < 0) {
            throw std::invalid_argument("a socket snaplen of less than 0 bytes");
        }
        std::lock_guard<std::mutex> lock(s.io_mu);
        if (!s.live || !s.live_source || !s.live_source->set_socket_snaplen(static_cast<uint32_t>(bytes))) {
            throw std::invalid_argument("only a live capture by the eBPF source keeps more of a socket's data");
        }
        return 0;
    });
}

int32_t kp_suppress_comm(int64_t h, const char* comm) {
    return with_session(h, "kp_suppress_comm", -1, [&](session& s) -> int32_t {
        if (comm == nullptr || comm[0] == '\0') {
            throw std::invalid_argument("empty process name");
        }
        /* between two batches: the reader is not looking at the list while it changes */
        std::lock_guard<std::mutex> lock(s.io_mu);
        std::string name(comm);
        for (const std::string& known : s.suppressed_comms) {
            if (known == name) {
                return 0;
            }
        }
        if (s.suppressed_comms.size() >= MAX_SUPPRESSED_COMMS) {
            throw std::invalid_argument("cannot suppress '" + name + "': at most " +
                                        std::to_string(MAX_SUPPRESSED_COMMS) + " process names are suppressed");
        }
        s.suppressed_comms.push_back(name);
        return 0;
    });
}

int32_t kp_container_id_of_cgroup(const char* path, char* out, int32_t cap) {
    try {
        if (path == nullptr || out == nullptr || cap <= 0) {
            return -1;
        }
        std::string id = kindling_probe::container_id_of_path(std::string(path));
        if (id.size() + 1 > static_cast<size_t>(cap)) {
            return -1;
        }
        std::memcpy(out, id.c_str(), id.size() + 1);
        return static_cast<int32_t>(id.size());
    } catch (...) {
        return -1;
    }
}

}  // extern "C"
