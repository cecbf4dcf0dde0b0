/*
 * Kindling Probe for OSGi - Kindling's kernel TCP events in the batches (see kernel_events.h).
 */
#include "kernel_events.h"

#include "batch_writer.h"
#include "classify.h"
#include "kindling_shim.h"
#include "live_open.h"
#include "session.h"
#include "shim_util.h"

#include <cstring>
#include <ctime>

namespace kindling_probe {
namespace {

namespace kk = kindling_live::kernel_kind;

/* How many kernel events the session takes from the source at a time. */
const size_t PULL_AT_MOST = 4096;
/* While libsinsp has nothing, a kernel event waits this long for the syscall events written before it. */
const uint64_t HOLD_WHEN_IDLE_NS = 5000000;

struct param_def {
    const char* name;
    ppm_param_type type;
};

/* The parameters of each kind after the tuple, in order (the event table's and the record's). */
std::vector<param_def> params_of(uint16_t kind) {
    switch (kind) {
    case kk::tcp_close:
    case kk::tcp_rcv_established: return {{"srtt", PT_UINT32}, {"total_retrans", PT_UINT32}};
    case kk::tcp_drop: return {{"reason", PT_UINT32}, {"srtt", PT_UINT32}, {"total_retrans", PT_UINT32}};
    case kk::tcp_retransmit_skb: return {{"segs", PT_INT32}, {"srtt", PT_UINT32}, {"total_retrans", PT_UINT32}};
    case kk::tcp_connect: return {{"retval", PT_ERRNO}};
    case kk::inet_sock_set_state: return {{"old_state", PT_INT32}, {"new_state", PT_INT32}};
    default: /* the resets: the tuple alone */ return {};
    }
}

/* The values of those parameters for one record, as 4 or 8 bytes each. */
size_t values_of(const kindling_live::kernel_event& e, uint64_t* out) {
    switch (e.kind) {
    case kk::tcp_close:
    case kk::tcp_rcv_established:
        out[0] = e.srtt_us;
        out[1] = e.total_retrans;
        return 2;
    case kk::tcp_drop:
        out[0] = e.reason;
        out[1] = e.srtt_us;
        out[2] = e.total_retrans;
        return 3;
    case kk::tcp_retransmit_skb:
        out[0] = e.segs;
        out[1] = e.srtt_us;
        out[2] = e.total_retrans;
        return 3;
    case kk::tcp_connect: out[0] = static_cast<uint64_t>(static_cast<int64_t>(e.retval)); return 1;
    case kk::inet_sock_set_state:
        out[0] = e.old_state;
        out[1] = e.new_state;
        return 2;
    default: return 0;
    }
}

uint16_t source_of(uint16_t kind) {
    const char* name = kindling_live::kernel_event_name(kind);
    if (name == nullptr) {
        return KSRC_UNKNOWN;
    }
    if (std::strncmp(name, "kretprobe-", 10) == 0) {
        return KSRC_KRETPROBE;
    }
    return std::strncmp(name, "kprobe-", 7) == 0 ? KSRC_KPROBE : KSRC_TRACEPOINT;
}

inline size_t padded(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

inline bool cell_set(const filter_table& t, uint16_t type) {
    return type < t.ntypes && t.types[static_cast<size_t>(type) * KP_CATEGORY_CELLS + KCAT_NET] != 0;
}

/* Writes one kernel event's record (layout of batch_writer.h; no fd, no socket block) if it fits. */
bool place_kernel(const kindling_live::kernel_event& e, sinsp_threadinfo* tinfo, const thread_extras& extras,
                  uint8_t* buf, size_t cap, size_t* off, size_t* needed) {
    uint16_t type = static_cast<uint16_t>(KERNEL_EVENT_BASE + e.kind - 1);
    bool v6 = e.family == PPM_AF_INET6;
    size_t addr = v6 ? 16 : 4;
    size_t tuple_len = 1 + addr + 2 + addr + 2;
    uint64_t values[4];
    size_t nvalues = values_of(e, values);
    std::vector<param_def> defs = params_of(e.kind);
    size_t values_len = tuple_len;
    for (size_t i = 0; i < nvalues; i++) {
        values_len += defs[i].type == PT_ERRNO ? 8 : 4;
    }
    uint32_t nparams = static_cast<uint32_t>(1 + nvalues);
    size_t rec_len = sizeof(struct ppm_evt_hdr) + nparams * sizeof(uint16_t) + values_len;
    record_front front;
    kp_record& r = front.fixed;
    r.kcat = static_cast<uint8_t>(KCAT_NET);
    r.source = static_cast<uint8_t>(source_of(e.kind));
    if (tinfo != nullptr) {
        r.flags = extras.ns_ids ? KP_FLAG_NS_IDS : 0;
        r.pid = tinfo->m_pid;
        r.tid = tinfo->m_tid;
        r.uid = tinfo->m_uid;
        r.gid = tinfo->m_gid;
        r.comm_len = static_cast<uint16_t>(string_len(tinfo->m_comm));
        r.container_len =
            static_cast<uint16_t>(extras.container.len > MAX_STRING_LEN ? MAX_STRING_LEN : extras.container.len);
        front.comm = &tinfo->m_comm;
        front.container = extras.container.data;
        front.ns.vpid = extras.vpid;
        front.ns.vtid = extras.vtid;
    } else {
        r.flags = KP_FLAG_NO_THREAD | KP_FLAG_KERNEL_CONTEXT;
        r.pid = e.pid;
        r.tid = e.tid;
    }
    r.fd_num = -1;  /* no fd */
    r.cpu = 0xFFFF; /* the CPU is not known */
    r.generic_sc = NO_GENERIC_SC;
    size_t size = padded(front.size() + rec_len);
    *needed = size;
    if (size > cap - *off) {
        return false;
    }
    r.rec_len = static_cast<uint32_t>(size);
    uint8_t* dst = buf + *off;
    size_t at = write_front(dst, front);
    /* the scap-style record: header, lengths, values */
    struct ppm_evt_hdr hdr;
    hdr.ts = e.ts;
    hdr.tid = tinfo != nullptr ? static_cast<uint64_t>(tinfo->m_tid) : e.tid;
    hdr.len = static_cast<uint32_t>(rec_len);
    hdr.type = type;
    hdr.nparams = nparams;
    std::memcpy(dst + at, &hdr, sizeof(hdr));
    uint8_t* lens = dst + at + sizeof(hdr);
    uint8_t* v = lens + nparams * sizeof(uint16_t);
    put<uint16_t>(lens, 0, static_cast<uint16_t>(tuple_len));
    v[0] = static_cast<uint8_t>(v6 ? PPM_AF_INET6 : PPM_AF_INET);
    std::memcpy(v + 1, e.sip, addr);
    put<uint16_t>(v, 1 + addr, e.sport);
    std::memcpy(v + 1 + addr + 2, e.dip, addr);
    put<uint16_t>(v, 1 + addr + 2 + addr, e.dport);
    v += tuple_len;
    for (size_t i = 0; i < nvalues; i++) {
        size_t n = defs[i].type == PT_ERRNO ? 8 : 4;
        put<uint16_t>(lens, (i + 1) * sizeof(uint16_t), static_cast<uint16_t>(n));
        if (n == 8) {
            put<uint64_t>(v, 0, values[i]);
        } else {
            put<uint32_t>(v, 0, static_cast<uint32_t>(values[i]));
        }
        v += n;
    }
    *off += size;
    return true;
}

}  // namespace

void append_kernel_event_rows(std::string* text) {
    for (uint16_t kind = 1; kind < kk::max; kind++) {
        *text += "E\t";
        *text += std::to_string(KERNEL_EVENT_BASE + kind - 1);
        *text += '\t';
        *text += kindling_live::kernel_event_name(kind);
        *text += '\t';
        *text += std::to_string(static_cast<int>(EC_NET));
        *text += "\t0\t";
        std::vector<param_def> defs = params_of(kind);
        *text += std::to_string(1 + defs.size());
        *text += "\ttuple:";
        *text += std::to_string(static_cast<int>(PT_SOCKTUPLE));
        for (const param_def& d : defs) {
            *text += ',';
            *text += d.name;
            *text += ':';
            *text += std::to_string(static_cast<int>(d.type));
        }
        *text += '\n';
    }
}

uint32_t kernel_event_mask(const filter_table& main, const filter_table& threadless) {
    uint32_t mask = 0;
    for (uint16_t kind = 1; kind < kk::max; kind++) {
        uint16_t type = static_cast<uint16_t>(KERNEL_EVENT_BASE + kind - 1);
        for (int c = 0; c < KP_CATEGORY_CELLS; c++) {
            bool on =
                (type < main.ntypes && main.types[static_cast<size_t>(type) * KP_CATEGORY_CELLS + c] != 0) ||
                (type < threadless.ntypes && threadless.types[static_cast<size_t>(type) * KP_CATEGORY_CELLS + c] != 0);
            if (on) {
                mask |= 1u << kind;
                break;
            }
        }
    }
    return mask;
}

uint64_t kernel_events_due() {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t ns = static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
    return ns - HOLD_WHEN_IDLE_NS;
}

void pull_kernel_events(session& h) {
    kernel_feed& f = h.kernel;
    f.reads_since_pull = 0;
    if (!h.live_source || f.next < f.size) {
        return;
    }
    if (f.queue.size() != PULL_AT_MOST) {
        f.queue.resize(PULL_AT_MOST);
    }
    f.size = h.live_source->read_kernel_events(f.queue.data(), PULL_AT_MOST);
    f.next = 0;
}

bool merge_kernel_events(session& h, uint64_t upto, uint8_t* buf, size_t cap, size_t* off, uint32_t* count,
                         int32_t max_events, bool* too_big) {
    kernel_feed& f = h.kernel;
    while (true) {
        if (f.next >= f.size) {
            if (upto != UINT64_MAX) {
                return true;
            }
            /* everything: take what the source holds now as well */
            pull_kernel_events(h);
            if (f.next >= f.size) {
                return true;
            }
        }
        const kindling_live::kernel_event& e = f.queue[f.next];
        if (e.ts > upto) {
            return true;
        }
        if (max_events > 0 && *count >= static_cast<uint32_t>(max_events)) {
            return false;
        }
        uint16_t type = static_cast<uint16_t>(KERNEL_EVENT_BASE + e.kind - 1);
        sinsp_threadinfo* tinfo = nullptr;
        threadinfo_map_t::ptr_t ref;
        if (e.kind == 0 || e.kind >= kk::max) {
            f.next++;
            continue;
        }
        if (e.tid != 0) {
            ref = h.insp->get_thread_ref(e.tid, false, true);
            tinfo = ref.get();
        }
        int64_t pid = tinfo != nullptr ? tinfo->m_pid : e.pid;
        if (pid != 0 && pid == h.own_pid.load(std::memory_order_relaxed)) {
            h.bump(KP_CNT_READ);
            h.bump(KP_CNT_KERNEL_READ);
            h.bump(KP_CNT_DROP_OWN_PID);
            f.next++;
            continue;
        }
        if (runs_suppressed_command(h, tinfo)) {
            /* as the thread's system calls: neither read nor dropped (capture statistics: suppressed) */
            h.suppressed_events.store(h.suppressed_events.load(std::memory_order_relaxed) + 1,
                                      std::memory_order_relaxed);
            f.next++;
            continue;
        }
        if (!cell_set(h.active, type) && !cell_set(h.active_threadless, type)) {
            h.bump(KP_CNT_READ);
            h.bump(KP_CNT_KERNEL_READ);
            h.bump(KP_CNT_DROP_UNSUBSCRIBED);
            f.next++;
            continue;
        }
        size_t needed = 0;
        if (!place_kernel(e, tinfo, extras_of(tinfo, h.container_slot), buf, cap, off, &needed)) {
            if (*count == 0) {
                *too_big = true;
                h.set_error(too_small_message(cap, needed));
            }
            return false;
        }
        h.bump(KP_CNT_READ);
        h.bump(KP_CNT_KERNEL_READ);
        h.bump(KP_CNT_COPIED);
        if (tinfo == nullptr) {
            h.bump(KP_CNT_KERNEL_NO_THREAD);
        }
        (*count)++;
        f.next++;
    }
}

}  // namespace kindling_probe
