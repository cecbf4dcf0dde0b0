/*
 * Kindling Probe for OSGi - the container of a thread from its cgroups (container_id.h).
 */
#include "container_id.h"

#include <cstring>

namespace kindling_probe {

namespace {

bool is_full_id(const char* p, size_t n) {
    if (n != CONTAINER_ID_FULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

bool ends_with(const char* p, size_t n, const char* suffix) {
    size_t k = std::strlen(suffix);
    return n >= k && std::memcmp(p + n - k, suffix, k) == 0;
}

bool starts_with(const char* p, size_t n, const char* prefix) {
    size_t k = std::strlen(prefix);
    return n >= k && std::memcmp(p, prefix, k) == 0;
}

/* The full id that one path component is, or holds in a runtime's form; null when none. */
const char* id_of_component(const char* p, size_t n) {
    if (is_full_id(p, n)) {
        return p; /* /docker/ID, /kubepods/.../podUID/ID */
    }
    /* kubepods-*.slice:cri-containerd:ID (a systemd cgroups path as containerd's CRI is given it) */
    const char* colon = static_cast<const char*>(memrchr(p, ':', n));
    if (colon != nullptr) {
        size_t rest = n - static_cast<size_t>(colon + 1 - p);
        return is_full_id(colon + 1, rest) ? colon + 1 : nullptr;
    }
    if (ends_with(p, n, ".scope")) {
        n -= 6;
    }
    static const char* const prefixes[] = {"docker-", "cri-containerd-", "crio-", "libpod-", "containerd-"};
    for (const char* prefix : prefixes) {
        size_t k = std::strlen(prefix);
        if (starts_with(p, n, prefix) && is_full_id(p + k, n - k)) {
            return p + k;
        }
    }
    return nullptr;
}

/* The state kept per thread: whether its cgroups were looked at, then the id's length and bytes. */
struct thread_slot {
    uint8_t checked;
    uint8_t len;
    char id[CONTAINER_ID_SHORT];
};

}  // namespace

std::string container_id_of_path(const std::string& path) {
    const char* s = path.data();
    size_t end = path.size();
    while (end > 0) {
        const char* slash = static_cast<const char*>(memrchr(s, '/', end));
        size_t start = slash == nullptr ? 0 : static_cast<size_t>(slash - s) + 1;
        const char* id = id_of_component(s + start, end - start);
        if (id != nullptr) {
            return std::string(id, CONTAINER_ID_SHORT);
        }
        if (slash == nullptr) {
            break;
        }
        end = static_cast<size_t>(slash - s);
    }
    return std::string();
}

std::string container_id_of_cgroups(const std::vector<std::pair<std::string, std::string>>& cgroups) {
    for (const auto& c : cgroups) {
        std::string id = container_id_of_path(c.second);
        if (!id.empty()) {
            return id;
        }
    }
    return std::string();
}

container_name container_id_of(sinsp_threadinfo* tinfo, int64_t slot) {
    container_name name;
    if (!tinfo->m_container_id.empty()) {
        name.data = tinfo->m_container_id.data();
        name.len = tinfo->m_container_id.size();
        return name;
    }
    thread_slot* state =
        slot >= 0 ? static_cast<thread_slot*>(tinfo->get_private_state(static_cast<uint32_t>(slot))) : nullptr;
    if (state == nullptr) {
        return name; /* no state kept: the probe's own parsing needs it to stay once per thread */
    }
    if (!state->checked) {
        std::string id = container_id_of_cgroups(tinfo->m_cgroups);
        state->len = static_cast<uint8_t>(id.size());
        std::memcpy(state->id, id.data(), id.size());
        state->checked = 1;
    }
    name.data = state->id;
    name.len = state->len;
    return name;
}

int64_t reserve_container_slot(sinsp* insp) {
    try {
        return static_cast<int64_t>(insp->reserve_thread_memory(sizeof(thread_slot)));
    } catch (...) {
        return -1;
    }
}

}  // namespace kindling_probe
