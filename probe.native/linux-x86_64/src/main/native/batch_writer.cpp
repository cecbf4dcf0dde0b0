/*
 * Kindling Probe for OSGi - the batch writer: copies one surviving event into a batch buffer
 * that Java reads without a JNA call per event (the layout is in batch_writer.h).
 */
#include "batch_writer.h"

#include "classify.h"
#include "kindling_shim.h"
#include "shim_util.h"

#include <cstring>

namespace kindling_probe {
namespace {

/* The parameters of an event as libsinsp's sinsp_evt::load_params sees them: the count is
 * the smaller of the event table's and the record's, the lengths are u16 (u32 for large
 * payload events) after the header, the values follow the record's own count of lengths.
 * A value that would end past the record is cut to what the record holds (the capture
 * check refuses such files; this keeps a live event from the driver just as safe). */
struct param_cursor {
    const uint8_t* lens;
    const uint8_t* val;
    const uint8_t* end;
    uint32_t count;
    bool large;

    explicit param_cursor(sinsp_evt* ev) {
        const scap_evt* rec = test_helpers::event_builder::record(ev);
        const ppm_event_info* info = test_helpers::event_builder::info(ev);
        large = (info->flags & EF_LARGE_PAYLOAD) != 0;
        count = info->nparams < rec->nparams ? info->nparams : rec->nparams;
        lens = reinterpret_cast<const uint8_t*>(rec) + sizeof(struct ppm_evt_hdr);
        val = lens + static_cast<size_t>(rec->nparams) * (large ? sizeof(uint32_t) : sizeof(uint16_t));
        end = reinterpret_cast<const uint8_t*>(rec) + rec->len;
        if (val > end) {
            count = 0;
        }
    }

    /* Length of parameter i (i < count), read in order. */
    inline uint32_t length(uint32_t i) const {
        if (large) {
            uint32_t len;
            std::memcpy(&len, lens + i * sizeof(uint32_t), sizeof(len));
            return len;
        }
        uint16_t len;
        std::memcpy(&len, lens + i * sizeof(uint16_t), sizeof(len));
        return len;
    }

    /* The next parameter's value and length; advances. */
    inline const char* next(uint32_t i, uint32_t* len_out) {
        uint32_t len = length(i);
        size_t room = static_cast<size_t>(end - val);
        const uint8_t* v = val;
        if (len > room) {
            len = static_cast<uint32_t>(room);
        }
        val += len;
        *len_out = len;
        return reinterpret_cast<const char*>(v);
    }
};

}  // namespace

/* Value of the "ID" parameter (PT_SYSCALLID, 2 bytes, the first) of PPME_GENERIC_E/X. */
uint16_t generic_sc_of(sinsp_evt* ev) {
    param_cursor c(ev);
    if (c.count == 0) {
        return NO_GENERIC_SC;
    }
    uint32_t len;
    const char* v = c.next(0, &len);
    if (len < sizeof(uint16_t)) {
        return NO_GENERIC_SC;
    }
    uint16_t sc;
    std::memcpy(&sc, v, sizeof(sc));
    return sc;
}

namespace {

inline uint64_t word_of(const void* p, size_t n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    return w;
}

inline size_t padded(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

inline bool is_socket(const sinsp_fdinfo_t* fdinfo) {
    switch (fdinfo->m_type) {
    case SCAP_FD_IPV4_SOCK:
    case SCAP_FD_IPV4_SERVSOCK:
    case SCAP_FD_IPV6_SOCK:
    case SCAP_FD_IPV6_SERVSOCK:
    case SCAP_FD_UNIX_SOCK: return true;
    default: return false;
    }
}

/* The parts of a record in front of the event's scap record, gathered before the size check so
 * that an event that does not fit leaves the buffer untouched. */
struct record_head {
    const scap_evt* rec = nullptr;
    sinsp_fdinfo_t* fdinfo = nullptr;
    uint16_t flags = 0;
    uint16_t generic_sc = NO_GENERIC_SC;
    size_t comm_len = 0;
    size_t container_len = 0;
    size_t fdname_len = 0;
    /* fixed part, socket block and strings */
    size_t size = 0;
};

void plan_head(sinsp_evt* ev, sinsp_threadinfo* tinfo, const thread_extras& extras, record_head* head) {
    head->rec = test_helpers::event_builder::record(ev);
    uint16_t type = head->rec->type;
    if (type == PPME_GENERIC_E || type == PPME_GENERIC_X) {
        head->generic_sc = generic_sc_of(ev);
    }
    if (test_helpers::event_builder::info(ev)->flags & EF_LARGE_PAYLOAD) {
        head->flags |= KP_FLAG_LARGE_PAYLOAD;
    }
    size_t size = KP_RECORD_FIXED_SIZE;
    head->fdinfo = ev->get_fd_info();
    if (head->fdinfo != nullptr) {
        head->flags |= KP_FLAG_FD_INFO;
        head->fdname_len = string_len(head->fdinfo->m_name);
        if (is_socket(head->fdinfo)) {
            head->flags |= KP_FLAG_SOCKET;
            size += KP_SOCKET_BLOCK_SIZE;
        }
    }
    if (tinfo != nullptr) {
        head->comm_len = string_len(tinfo->m_comm);
        head->container_len = extras.container.len > MAX_STRING_LEN ? MAX_STRING_LEN : extras.container.len;
        if (extras.ns_ids) {
            head->flags |= KP_FLAG_NS_IDS;
            size += KP_NS_BLOCK_SIZE;
        }
    } else {
        head->flags |= KP_FLAG_NO_THREAD;
    }
    head->size = size + head->comm_len + head->container_len + head->fdname_len;
}

/* Whether the scap record can be copied as it is: its header and lengths lie inside it. */
inline bool record_is_whole(const scap_evt* rec) { return rec->len >= sizeof(struct ppm_evt_hdr); }

/* The event's scap record rewritten with every parameter longer than max_len cut to max_len,
 * and only the parameters libsinsp reads (param_cursor): written at dst unless dst is null.
 * Returns its size; sets *cut when a parameter is cut. */
size_t cut_record(sinsp_evt* ev, uint32_t max_len, uint8_t* dst, bool* cut) {
    param_cursor c(ev);
    size_t width = c.large ? sizeof(uint32_t) : sizeof(uint16_t);
    size_t off = sizeof(struct ppm_evt_hdr) + c.count * width;
    for (uint32_t i = 0; i < c.count; i++) {
        uint32_t len;
        const char* v = c.next(i, &len);
        if (len > max_len) {
            len = max_len;
            *cut = true;
        }
        if (dst != nullptr) {
            uint8_t* lens = dst + sizeof(struct ppm_evt_hdr);
            if (c.large) {
                put<uint32_t>(lens, i * width, len);
            } else {
                put<uint16_t>(lens, i * width, static_cast<uint16_t>(len));
            }
            std::memcpy(dst + off, v, len);
        }
        off += len;
    }
    if (dst != nullptr) {
        const scap_evt* rec = test_helpers::event_builder::record(ev);
        struct ppm_evt_hdr hdr;
        hdr.ts = rec->ts;
        hdr.tid = rec->tid;
        hdr.type = rec->type;
        hdr.len = static_cast<uint32_t>(off);
        hdr.nparams = c.count;
        std::memcpy(dst, &hdr, sizeof(hdr));
    }
    return off;
}

/* Writes the record of a surviving event at dst: the fixed part as eight 8-byte words
 * assembled in registers, the socket block, the strings, then the scap record, as it is
 * (cut_to < 0) or with its parameters cut to cut_to bytes. */
void write_record(sinsp_evt* ev, sinsp_threadinfo* tinfo, const thread_extras& extras, const record_head& head,
                  uint16_t kcat, size_t size, int64_t cut_to, uint8_t* dst, int32_t cpu_of_event) {
    uint16_t type = head.rec->type;
    uint16_t source = kindling_source_of(type);
    uint64_t latency = 0;
    uint64_t pid;
    uint64_t tid;
    uint64_t ids = 0;
    if (tinfo != nullptr) {
        latency = source == KSRC_SYSCALL_EXIT ? tinfo->m_latency : 0;
        pid = static_cast<uint64_t>(tinfo->m_pid);
        tid = static_cast<uint64_t>(tinfo->m_tid);
        ids = static_cast<uint64_t>(tinfo->m_uid) | static_cast<uint64_t>(tinfo->m_gid) << 32;
    } else {
        /* threadless (KP_FLAG_NO_THREAD): only the event's own tid is known */
        pid = tid = static_cast<uint64_t>(ev->get_tid());
    }
    sinsp_fdinfo_t* fdinfo = head.fdinfo;
    /* offsets 56..63: fdname_len, fd type, l4 protocol, server role */
    uint64_t fd_word = head.fdname_len;
    if (fdinfo != nullptr) {
        fd_word |= static_cast<uint64_t>(static_cast<uint8_t>(fdinfo->m_type)) << 16;
    }

    put<uint64_t>(dst, 0,
                  static_cast<uint64_t>(static_cast<uint32_t>(size)) | static_cast<uint64_t>(head.flags) << 32 |
                      static_cast<uint64_t>(kcat & 0xFF) << 48 | static_cast<uint64_t>(source & 0xFF) << 56);
    put<uint64_t>(dst, 8, pid);
    put<uint64_t>(dst, 16, tid);
    put<uint64_t>(dst, 24, latency);
    put<uint64_t>(dst, 32, ids);
    put<uint64_t>(dst, 40, static_cast<uint64_t>(ev->get_fd_num()));
    uint16_t cpu = cpu_of_event < 0 ? 0xFFFF : static_cast<uint16_t>(cpu_of_event);
    put<uint64_t>(dst, 48,
                  static_cast<uint64_t>(cpu) | static_cast<uint64_t>(head.generic_sc) << 16 |
                      static_cast<uint64_t>(head.comm_len) << 32 | static_cast<uint64_t>(head.container_len) << 48);
    size_t off = KP_RECORD_FIXED_SIZE;
    if (head.flags & KP_FLAG_NS_IDS) {
        put<int64_t>(dst, off, extras.vpid);
        put<int64_t>(dst, off + 8, extras.vtid);
        off += KP_NS_BLOCK_SIZE;
    }
    if (head.flags & KP_FLAG_SOCKET) {
        const sinsp_sockinfo& si = fdinfo->m_sockinfo;
        uint64_t sport = 0;
        uint64_t dport = 0;
        uint64_t sip[2] = {0, 0};
        uint64_t dip[2] = {0, 0};
        bool inet = true;
        switch (fdinfo->m_type) {
        case SCAP_FD_IPV4_SOCK:
            sip[0] = word_of(&si.m_ipv4info.m_fields.m_sip, 4);
            dip[0] = word_of(&si.m_ipv4info.m_fields.m_dip, 4);
            sport = si.m_ipv4info.m_fields.m_sport;
            dport = si.m_ipv4info.m_fields.m_dport;
            break;
        case SCAP_FD_IPV4_SERVSOCK:
            dip[0] = word_of(&si.m_ipv4serverinfo.m_ip, 4);
            dport = si.m_ipv4serverinfo.m_port;
            break;
        case SCAP_FD_IPV6_SOCK:
            std::memcpy(sip, si.m_ipv6info.m_fields.m_sip.m_b, 16);
            std::memcpy(dip, si.m_ipv6info.m_fields.m_dip.m_b, 16);
            sport = si.m_ipv6info.m_fields.m_sport;
            dport = si.m_ipv6info.m_fields.m_dport;
            break;
        case SCAP_FD_IPV6_SERVSOCK:
            std::memcpy(dip, si.m_ipv6serverinfo.m_ip.m_b, 16);
            dport = si.m_ipv6serverinfo.m_port;
            break;
        default: /* SCAP_FD_UNIX_SOCK */
            inet = false;
            sip[0] = si.m_unixinfo.m_fields.m_source;
            dip[0] = si.m_unixinfo.m_fields.m_dest;
            break;
        }
        if (inet) {
            fd_word |= static_cast<uint64_t>(kindling_l4proto_of(fdinfo->get_l4proto())) << 24;
            fd_word |= static_cast<uint64_t>(fdinfo->is_role_server() ? 1 : 0) << 32;
        }
        put<uint64_t>(dst, off, (sport & 0xFFFF) | (dport & 0xFFFF) << 16);
        put<uint64_t>(dst, off + 8, sip[0]);
        put<uint64_t>(dst, off + 16, sip[1]);
        put<uint64_t>(dst, off + 24, dip[0]);
        put<uint64_t>(dst, off + 32, dip[1]);
        off += KP_SOCKET_BLOCK_SIZE;
    }
    put<uint64_t>(dst, 56, fd_word);
    /* the padding (under 8 bytes) ends the record: zero its last word before the data */
    put<uint64_t>(dst, size - 8, 0);

    if (tinfo != nullptr) {
        copy_string(dst + off, tinfo->m_comm, head.comm_len);
        off += head.comm_len;
        std::memcpy(dst + off, extras.container.data, head.container_len);
        off += head.container_len;
    }
    if (fdinfo != nullptr) {
        copy_string(dst + off, fdinfo->m_name, head.fdname_len);
        off += head.fdname_len;
    }
    if (cut_to < 0) {
        std::memcpy(dst + off, head.rec, head.rec->len);
    } else {
        bool cut = false;
        cut_record(ev, static_cast<uint32_t>(cut_to), dst + off, &cut);
    }
}

}  // namespace

void write_header(uint8_t* buf, uint32_t count, uint32_t used, int32_t status) {
    put<uint32_t>(buf, 0, count);
    put<uint32_t>(buf, 4, used);
    put<int32_t>(buf, 8, status);
}

/* Writes the event at *off if it fits. A scap record is copied as it is; one that does not fit
 * even an empty batch (alone_in_batch) has its parameters cut, halving the longest allowed
 * until the record fits, rather than stalling the reader (flag bit1). NO_ROOM then means not
 * even its fixed part, strings and parameter lengths fit. */
thread_extras extras_of(sinsp_threadinfo* tinfo, int64_t container_slot) {
    thread_extras x;
    if (tinfo == nullptr) {
        return x;
    }
    x.container = container_id_of(tinfo, container_slot);
    /* libsinsp's vtid/vpid: from the clone exit, or NSpid in /proc/PID/status for the threads of the scan */
    if (tinfo->m_vtid > 0 && (tinfo->m_vtid != tinfo->m_tid || tinfo->m_vpid != tinfo->m_pid)) {
        x.ns_ids = true;
        x.vpid = tinfo->m_vpid;
        x.vtid = tinfo->m_vtid;
    }
    return x;
}

place_result place(sinsp_evt* ev, sinsp_threadinfo* tinfo, const thread_extras& extras, uint16_t kcat,
                   bool alone_in_batch, uint8_t* buf, size_t cap, size_t* off, size_t* needed, bool* params_cut,
                   int32_t cpu) {
    record_head head;
    plan_head(ev, tinfo, extras, &head);
    int64_t cut_to = -1;
    size_t size;
    if (record_is_whole(head.rec)) {
        size = padded(head.size + head.rec->len);
    } else {
        /* too short to hold its own header: rewritten, without parameters */
        bool cut = false;
        cut_to = KP_MAX_PARAM_LEN;
        size = padded(head.size + cut_record(ev, KP_MAX_PARAM_LEN, nullptr, &cut));
    }
    *needed = size;
    if (size > cap - *off && alone_in_batch) {
        for (uint32_t max_len = KP_MAX_PARAM_LEN;; max_len /= 2) {
            bool cut = false;
            cut_to = max_len;
            size = padded(head.size + cut_record(ev, max_len, nullptr, &cut));
            if (cut) {
                head.flags |= KP_FLAG_PARAM_TRUNCATED;
            }
            if (size <= cap - *off || max_len == 0) {
                break;
            }
        }
    }
    if (size > cap - *off) {
        return place_result::NO_ROOM;
    }
    write_record(ev, tinfo, extras, head, kcat, size, cut_to, buf + *off, cpu);
    *off += size;
    *params_cut = (head.flags & KP_FLAG_PARAM_TRUNCATED) != 0;
    return place_result::WRITTEN;
}

std::string too_small_message(size_t cap, size_t needed) {
    return "batch buffer of " + std::to_string(cap) + " bytes cannot hold an event of " + std::to_string(needed) +
           " bytes even with its parameters cut (plus the " + std::to_string(KP_BATCH_HEADER_SIZE) +
           "-byte header); the event is kept for a bigger buffer";
}

}  // namespace kindling_probe
