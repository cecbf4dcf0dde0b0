/*
 * Kindling Probe for OSGi - small helpers shared by the shim's files: messages into caller
 * buffers, unaligned stores, string copies, and access to an event's scap record.
 */
#ifndef KINDLING_SHIM_UTIL_H
#define KINDLING_SHIM_UTIL_H

#include <sinsp.h>

#include <cstring>
#include <string>

/* libsinsp keeps an event's scap record private; its header names this class a friend
 * (for libsinsp's own unit tests) and the library itself does not define it. Defining it
 * here lets the shim read the parameters where sinsp_evt::load_params reads them, without
 * a library call per parameter. Nothing about the class layout changes. */
namespace test_helpers {
class event_builder {
public:
    static const scap_evt* record(const sinsp_evt* ev) { return ev->m_pevt; }
    static const ppm_event_info* info(const sinsp_evt* ev) { return ev->m_info; }
};
}  // namespace test_helpers

namespace kindling_probe {

const uint16_t NO_GENERIC_SC = 0xFFFF;
const size_t MAX_STRING_LEN = 0xFFFF;

/* Copies a message into a caller buffer, always NUL-terminated when cap > 0. */
inline void copy_message(const char* msg, size_t len, char* out, int32_t cap) noexcept {
    if (out == nullptr || cap <= 0) {
        return;
    }
    size_t n = msg != nullptr ? len : 0;
    if (n > static_cast<size_t>(cap) - 1) {
        n = static_cast<size_t>(cap) - 1;
    }
    if (n > 0) {
        std::memcpy(out, msg, n);
    }
    out[n] = '\0';
}

inline void copy_message(const char* msg, char* out, int32_t cap) noexcept {
    copy_message(msg, msg != nullptr ? std::strlen(msg) : 0, out, cap);
}

inline void copy_message(const std::string& msg, char* out, int32_t cap) noexcept {
    copy_message(msg.data(), msg.size(), out, cap);
}

template <typename T>
inline void put(uint8_t* base, size_t off, T value) {
    std::memcpy(base + off, &value, sizeof(T));
}

/* Length of a string's bytes, capped so that it fits a u16 length field. No NUL is looked for
 * (that cost as much as the rest of the record): readers of the batch stop at the first one. */
inline size_t string_len(const std::string& s) {
    size_t n = s.size();
    return n > MAX_STRING_LEN ? MAX_STRING_LEN : n;
}

/* Copies the first n bytes of s (n <= s.size()) to dst, and nothing else. Short strings (most
 * comms, container ids, fd names up to 16 bytes) take two fixed-size copies that may overlap,
 * without a call: each reads and writes inside the n bytes. */
inline void copy_string(uint8_t* dst, const std::string& s, size_t n) {
    const char* src = s.data();
    if (n >= 8 && n <= 16) {
        std::memcpy(dst, src, 8);
        std::memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        std::memcpy(dst, src, 4);
        std::memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n > 0 && n < 4) {
        dst[0] = static_cast<uint8_t>(src[0]);
        dst[n / 2] = static_cast<uint8_t>(src[n / 2]);
        dst[n - 1] = static_cast<uint8_t>(src[n - 1]);
    } else if (n > 16) {
        std::memcpy(dst, src, n);
    }
}

/* Reads a signed integer parameter of 1, 2, 4 or 8 bytes (8 is what the driver writes
 * for "res"). Returns false when the length is none of these (corrupt data). */
inline bool read_signed(const sinsp_evt_param* p, int64_t* out) {
    switch (p->m_len) {
    case 1: {
        int8_t v;
        std::memcpy(&v, p->m_val, 1);
        *out = v;
        return true;
    }
    case 2: {
        int16_t v;
        std::memcpy(&v, p->m_val, 2);
        *out = v;
        return true;
    }
    case 4: {
        int32_t v;
        std::memcpy(&v, p->m_val, 4);
        *out = v;
        return true;
    }
    default:
        if (p->m_len >= 8) {
            int64_t v;
            std::memcpy(&v, p->m_val, 8);
            *out = v;
            return true;
        }
        return false;
    }
}

}  // namespace kindling_probe

#endif /* KINDLING_SHIM_UTIL_H */
