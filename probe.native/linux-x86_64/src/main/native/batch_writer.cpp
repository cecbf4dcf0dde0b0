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

/* The record schema (kindling_shim.h): the offsets Java reads, fixed here. */
#define KP_AT(block, field, offset, size)                                                   \
    static_assert(offsetof(block, field) == (offset), #block "." #field " is at " #offset); \
    static_assert(sizeof(static_cast<block*>(nullptr)->field) == (size), #block "." #field " size");
KP_AT(kp_batch_header, event_count, 0, 4)
KP_AT(kp_batch_header, bytes_used, 4, 4)
KP_AT(kp_batch_header, status, 8, 4)
KP_AT(kp_record, rec_len, 0, 4)
KP_AT(kp_record, flags, 4, 2)
KP_AT(kp_record, kcat, 6, 1)
KP_AT(kp_record, source, 7, 1)
KP_AT(kp_record, pid, 8, 8)
KP_AT(kp_record, tid, 16, 8)
KP_AT(kp_record, latency, 24, 8)
KP_AT(kp_record, uid, 32, 4)
KP_AT(kp_record, gid, 36, 4)
KP_AT(kp_record, fd_num, 40, 8)
KP_AT(kp_record, cpu, 48, 2)
KP_AT(kp_record, generic_sc, 50, 2)
KP_AT(kp_record, comm_len, 52, 2)
KP_AT(kp_record, container_len, 54, 2)
KP_AT(kp_record, fdname_len, 56, 2)
KP_AT(kp_record, fd_type, 58, 1)
KP_AT(kp_record, l4proto, 59, 1)
KP_AT(kp_record, role_server, 60, 1)
KP_AT(kp_ns_block, vpid, 0, 8)
KP_AT(kp_ns_block, vtid, 8, 8)
KP_AT(kp_socket_block, sport, 0, 2)
KP_AT(kp_socket_block, dport, 2, 2)
KP_AT(kp_socket_block, sip, 8, 16)
KP_AT(kp_socket_block, dip, 24, 16)
#undef KP_AT
static_assert(sizeof(kp_batch_header) == KP_BATCH_HEADER_SIZE, "batch header size");
static_assert(sizeof(kp_record) == KP_RECORD_FIXED_SIZE, "fixed part size");
static_assert(sizeof(kp_ns_block) == KP_NS_BLOCK_SIZE, "namespace block size");
static_assert(sizeof(kp_socket_block) == KP_SOCKET_BLOCK_SIZE, "socket block size");
static_assert(KP_RECORD_FIXED_SIZE % 8 == 0 && KP_NS_BLOCK_SIZE % 8 == 0 && KP_SOCKET_BLOCK_SIZE % 8 == 0,
              "the blocks keep 8-byte alignment");

std::string record_layout_text() {
    std::string text;
    auto row = [&text](const char* block, const char* field, size_t offset, size_t size) {
        text += block;
        text += '\t';
        text += field;
        text += '\t';
        text += std::to_string(offset);
        text += '\t';
        text += std::to_string(size);
        text += '\n';
    };
#define KP_ROW(name, block, field) \
    row(name, #field, offsetof(block, field), sizeof(static_cast<block*>(nullptr)->field))
    KP_ROW("header", kp_batch_header, event_count);
    KP_ROW("header", kp_batch_header, bytes_used);
    KP_ROW("header", kp_batch_header, status);
    KP_ROW("record", kp_record, rec_len);
    KP_ROW("record", kp_record, flags);
    KP_ROW("record", kp_record, kcat);
    KP_ROW("record", kp_record, source);
    KP_ROW("record", kp_record, pid);
    KP_ROW("record", kp_record, tid);
    KP_ROW("record", kp_record, latency);
    KP_ROW("record", kp_record, uid);
    KP_ROW("record", kp_record, gid);
    KP_ROW("record", kp_record, fd_num);
    KP_ROW("record", kp_record, cpu);
    KP_ROW("record", kp_record, generic_sc);
    KP_ROW("record", kp_record, comm_len);
    KP_ROW("record", kp_record, container_len);
    KP_ROW("record", kp_record, fdname_len);
    KP_ROW("record", kp_record, fd_type);
    KP_ROW("record", kp_record, l4proto);
    KP_ROW("record", kp_record, role_server);
    KP_ROW("ns", kp_ns_block, vpid);
    KP_ROW("ns", kp_ns_block, vtid);
    KP_ROW("socket", kp_socket_block, sport);
    KP_ROW("socket", kp_socket_block, dport);
    KP_ROW("socket", kp_socket_block, sip);
    KP_ROW("socket", kp_socket_block, dip);
#undef KP_ROW
    row("header", "(size)", 0, sizeof(kp_batch_header));
    row("record", "(size)", 0, sizeof(kp_record));
    row("ns", "(size)", 0, sizeof(kp_ns_block));
    row("socket", "(size)", 0, sizeof(kp_socket_block));
    return text;
}

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

/* Writes the record of a surviving event at dst: its front (write_front), then the scap record, as it is
 * (cut_to < 0) or with its parameters cut to cut_to bytes. */
void write_record(sinsp_evt* ev, sinsp_threadinfo* tinfo, const thread_extras& extras, const record_head& head,
                  uint16_t kcat, size_t size, int64_t cut_to, uint8_t* dst, int32_t cpu_of_event) {
    uint16_t source = kindling_source_of(head.rec->type);
    record_front front;
    kp_record& r = front.fixed;
    r.rec_len = static_cast<uint32_t>(size);
    r.flags = head.flags;
    r.kcat = static_cast<uint8_t>(kcat);
    r.source = static_cast<uint8_t>(source);
    if (tinfo != nullptr) {
        r.latency = source == KSRC_SYSCALL_EXIT ? tinfo->m_latency : 0;
        r.pid = tinfo->m_pid;
        r.tid = tinfo->m_tid;
        r.uid = tinfo->m_uid;
        r.gid = tinfo->m_gid;
        front.comm = &tinfo->m_comm;
        front.container = extras.container.data;
    } else {
        /* threadless (KP_FLAG_NO_THREAD): only the event's own tid is known */
        r.pid = r.tid = ev->get_tid();
    }
    r.fd_num = ev->get_fd_num();
    r.cpu = cpu_of_event < 0 ? 0xFFFF : static_cast<uint16_t>(cpu_of_event);
    r.generic_sc = head.generic_sc;
    r.comm_len = static_cast<uint16_t>(head.comm_len);
    r.container_len = static_cast<uint16_t>(head.container_len);
    r.fdname_len = static_cast<uint16_t>(head.fdname_len);
    if (head.flags & KP_FLAG_NS_IDS) {
        front.ns.vpid = extras.vpid;
        front.ns.vtid = extras.vtid;
    }
    sinsp_fdinfo_t* fdinfo = head.fdinfo;
    if (fdinfo != nullptr) {
        r.fd_type = static_cast<uint8_t>(fdinfo->m_type);
        front.fdname = &fdinfo->m_name;
    }
    if (head.flags & KP_FLAG_SOCKET) {
        const sinsp_sockinfo& si = fdinfo->m_sockinfo;
        kp_socket_block& b = front.socket;
        bool inet = true;
        switch (fdinfo->m_type) {
        case SCAP_FD_IPV4_SOCK:
            std::memcpy(b.sip, &si.m_ipv4info.m_fields.m_sip, 4);
            std::memcpy(b.dip, &si.m_ipv4info.m_fields.m_dip, 4);
            b.sport = si.m_ipv4info.m_fields.m_sport;
            b.dport = si.m_ipv4info.m_fields.m_dport;
            break;
        case SCAP_FD_IPV4_SERVSOCK:
            std::memcpy(b.dip, &si.m_ipv4serverinfo.m_ip, 4);
            b.dport = si.m_ipv4serverinfo.m_port;
            break;
        case SCAP_FD_IPV6_SOCK:
            std::memcpy(b.sip, si.m_ipv6info.m_fields.m_sip.m_b, 16);
            std::memcpy(b.dip, si.m_ipv6info.m_fields.m_dip.m_b, 16);
            b.sport = si.m_ipv6info.m_fields.m_sport;
            b.dport = si.m_ipv6info.m_fields.m_dport;
            break;
        case SCAP_FD_IPV6_SERVSOCK:
            std::memcpy(b.dip, si.m_ipv6serverinfo.m_ip.m_b, 16);
            b.dport = si.m_ipv6serverinfo.m_port;
            break;
        default: /* SCAP_FD_UNIX_SOCK */
            inet = false;
            std::memcpy(b.sip, &si.m_unixinfo.m_fields.m_source, 8);
            std::memcpy(b.dip, &si.m_unixinfo.m_fields.m_dest, 8);
            break;
        }
        if (inet) {
            r.l4proto = static_cast<uint8_t>(kindling_l4proto_of(fdinfo->get_l4proto()));
            r.role_server = fdinfo->is_role_server() ? 1 : 0;
        }
    }
    size_t off = write_front(dst, front);
    if (cut_to < 0) {
        std::memcpy(dst + off, head.rec, head.rec->len);
    } else {
        bool cut = false;
        cut_record(ev, static_cast<uint32_t>(cut_to), dst + off, &cut);
    }
}

}  // namespace

void write_header(uint8_t* buf, uint32_t count, uint32_t used, int32_t status) {
    kp_batch_header h{};
    h.event_count = count;
    h.bytes_used = used;
    h.status = status;
    std::memcpy(buf, &h, sizeof(h));
}

size_t record_front::size() const {
    size_t n = sizeof(kp_record) + fixed.comm_len + fixed.container_len + fixed.fdname_len;
    if (fixed.flags & KP_FLAG_NS_IDS) n += sizeof(kp_ns_block);
    if (fixed.flags & KP_FLAG_SOCKET) n += sizeof(kp_socket_block);
    return n;
}

size_t write_front(uint8_t* dst, const record_front& front) {
    const kp_record& r = front.fixed;
    std::memcpy(dst, &r, sizeof(r));
    size_t off = sizeof(r);
    if (r.flags & KP_FLAG_NS_IDS) {
        std::memcpy(dst + off, &front.ns, sizeof(front.ns));
        off += sizeof(front.ns);
    }
    if (r.flags & KP_FLAG_SOCKET) {
        std::memcpy(dst + off, &front.socket, sizeof(front.socket));
        off += sizeof(front.socket);
    }
    /* the padding (under 8 bytes) ends the record: zero its last word before the strings and the data */
    put<uint64_t>(dst, r.rec_len - 8, 0);
    if (r.comm_len != 0) {
        copy_string(dst + off, *front.comm, r.comm_len);
        off += r.comm_len;
    }
    if (r.container_len != 0) {
        std::memcpy(dst + off, front.container, r.container_len);
        off += r.container_len;
    }
    if (r.fdname_len != 0) {
        copy_string(dst + off, *front.fdname, r.fdname_len);
        off += r.fdname_len;
    }
    return off;
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
