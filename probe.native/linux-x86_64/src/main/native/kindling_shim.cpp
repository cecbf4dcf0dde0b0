/*
 * Kindling Probe for OSGi - native shim between libsinsp and Java (JNA).
 *
 * The shim is deliberately small: libsinsp tracks the state (threads, fds), the shim
 * drops what the Kindling probe drops, applies the filter table pushed down by Java and
 * copies the surviving events into a caller-provided batch buffer. Java decides the rest.
 *
 * Batch buffer (little-endian):
 *   header, 64 bytes: u32 event_count, u32 bytes_used (header included), i32 status
 *   (0 more may follow, 1 end of capture, 2 timeout), 52 reserved zero bytes.
 *   records from offset 64, each 8-byte aligned, fixed part of 64 bytes:
 *     0 u32 rec_len | 4 u16 flags | 6 u8 kcat | 7 u8 source | 8 i64 pid | 16 i64 tid
 *    24 u64 latency | 32 u32 uid | 36 u32 gid | 40 i64 fd_num | 48 u16 cpu
 *    50 u16 generic_sc | 52 u16 comm_len | 54 u16 container_len | 56 u16 fdname_len
 *    58 u8 fd_type | 59 u8 l4proto | 60 u8 role_server | 61..63 zero
 *   then, when flags bit4 says the fd is a socket, 40 bytes: u16 sport | u16 dport | u32 0
 *   | u8[16] sip | u8[16] dip (a unix socket: u64 source at sip, u64 destination at dip);
 *   then comm, container id and fd name bytes (each std::string's bytes, up to 65,535; a
 *   reader stops at a NUL, as C would); then the event's scap record as libscap
 *   read it (u64 ts | u64 tid | u32 len | u16 type | u32 nparams | nparams lengths, u16
 *   each, u32 with flags bit3 | the values); then zero padding to a multiple of 8.
 *   flags: bit0 fd info, bit1 a parameter was cut (the scap record was rewritten with the
 *   cut lengths), bit2 no thread information (the event passed through the threadless
 *   filter; pid and tid are the event's tid), bit3 u32 parameter lengths, bit4 socket block.
 */
#include "kindling_shim.h"

#include "capture_check.h"

#include <sinsp.h>

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

/* libsinsp keeps an event's scap record private; its header names this class a friend
 * (for libsinsp's own unit tests) and the library itself does not define it. Defining it
 * here lets the shim read the parameters where sinsp_evt::load_params reads them, without
 * a library call per parameter. Nothing about the class layout changes. */
namespace test_helpers
{
class event_builder
{
public:
	static const scap_evt* record(const sinsp_evt* ev) { return ev->m_pevt; }
	static const ppm_event_info* info(const sinsp_evt* ev) { return ev->m_info; }
};
} // namespace test_helpers

namespace
{

/* Kindling categories (the seed's enum Category). */
enum kindling_category : uint16_t
{
	KCAT_NONE = 0,
	KCAT_OTHER = 1,
	KCAT_FILE = 2,
	KCAT_NET = 3,
	KCAT_IPC = 4,
	KCAT_WAIT = 5,
	KCAT_SIGNAL = 6,
	KCAT_SLEEP = 7,
	KCAT_TIME = 8,
	KCAT_PROCESS = 9,
	KCAT_SCHEDULER = 10,
	KCAT_MEMORY = 11,
	KCAT_USER = 12,
	KCAT_SYSTEM = 13
};

/* Kindling event sources (the seed's enum Source). */
enum kindling_source : uint16_t
{
	KSRC_UNKNOWN = 0,
	KSRC_SYSCALL_ENTER = 1,
	KSRC_SYSCALL_EXIT = 2,
	KSRC_TRACEPOINT = 3,
	KSRC_KPROBE = 4,
	KSRC_KRETPROBE = 5
};

/* Kindling L4 protocols (the seed's enum L4Proto). */
enum kindling_l4proto : uint8_t
{
	KL4_UNKNOWN = 0,
	KL4_TCP = 1,
	KL4_UDP = 2,
	KL4_ICMP = 3,
	KL4_RAW = 4
};

/* A capture file may produce timeouts too; after this many in a row the batch returns
 * with status 2 instead of spinning. */
const int MAX_CONSECUTIVE_FILE_TIMEOUTS = 1000;

/* A batch that holds events ends once this many events were read for it, full or not: with
 * selective subscriptions the events read so far reach Java within milliseconds instead of
 * waiting for the batch to fill (the benchmark baseline, kp_count_rest, is not cut). */
const uint32_t MAX_READ_PER_BATCH = 32768;

const uint16_t NO_GENERIC_SC = 0xFFFF;
const size_t MAX_STRING_LEN = 0xFFFF;

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                         */
/* ------------------------------------------------------------------------------------ */

/* Copies a message into a caller buffer, always NUL-terminated when cap > 0. */
void copy_message(const char* msg, size_t len, char* out, int32_t cap) noexcept
{
	if(out == nullptr || cap <= 0)
	{
		return;
	}
	size_t n = msg != nullptr ? len : 0;
	if(n > static_cast<size_t>(cap) - 1)
	{
		n = static_cast<size_t>(cap) - 1;
	}
	if(n > 0)
	{
		std::memcpy(out, msg, n);
	}
	out[n] = '\0';
}

void copy_message(const char* msg, char* out, int32_t cap) noexcept
{
	copy_message(msg, msg != nullptr ? std::strlen(msg) : 0, out, cap);
}

void copy_message(const std::string& msg, char* out, int32_t cap) noexcept
{
	copy_message(msg.data(), msg.size(), out, cap);
}

template<typename T> inline void put(uint8_t* base, size_t off, T value)
{
	std::memcpy(base + off, &value, sizeof(T));
}

/* Length of a string's bytes, capped so that it fits a u16 length field. No NUL is looked for
 * (that cost as much as the rest of the record): readers of the batch stop at the first one. */
inline size_t string_len(const std::string& s)
{
	size_t n = s.size();
	return n > MAX_STRING_LEN ? MAX_STRING_LEN : n;
}

/* Copies the first n bytes of s (n <= s.size()) to dst. One that fits 16 bytes is copied as 16
 * bytes, without a branch on its length: libstdc++ keeps capacity() + 1 >= 16 readable bytes at
 * data() (a local buffer of 16, or a heap block of more). So up to 16 bytes are written at dst
 * whatever n: the caller writes what follows afterwards, and a record always ends with the
 * scap record (26 bytes at least) after its strings. */
inline void copy_string(uint8_t* dst, const std::string& s, size_t n)
{
	static_assert(sizeof(std::string) == 32, "libstdc++'s std::string (a 16-byte local buffer)");
	if(n <= 16 && s.capacity() >= 15)
	{
		std::memcpy(dst, s.data(), 16);
	}
	else
	{
		std::memcpy(dst, s.data(), n);
	}
}

/* Reads a signed integer parameter of 1, 2, 4 or 8 bytes (8 is what the driver writes
 * for "res"). Returns false when the length is none of these (corrupt data). */
bool read_signed(const sinsp_evt_param* p, int64_t* out)
{
	switch(p->m_len)
	{
	case 1:
	{
		int8_t v;
		std::memcpy(&v, p->m_val, 1);
		*out = v;
		return true;
	}
	case 2:
	{
		int16_t v;
		std::memcpy(&v, p->m_val, 2);
		*out = v;
		return true;
	}
	case 4:
	{
		int32_t v;
		std::memcpy(&v, p->m_val, 4);
		*out = v;
		return true;
	}
	default:
		if(p->m_len >= 8)
		{
			int64_t v;
			std::memcpy(&v, p->m_val, 8);
			*out = v;
			return true;
		}
		return false;
	}
}

/* ------------------------------------------------------------------------------------ */
/* The seed's classification of events                                                  */
/* ------------------------------------------------------------------------------------ */

/* The seed's get_kindling_category: driver category to Kindling category, I/O events by
 * the subcategory that libsinsp derives from the fd. Categories the seed does not name
 * (EC_UNKNOWN, EC_PROCESSING, EC_WAIT, EC_SCHEDULER, ...) become OTHER, as in the Kindling probe. */
uint16_t kindling_category_of(sinsp_evt* ev)
{
	sinsp_evt::category cat;
	ev->get_category(&cat);
	switch(cat.m_category)
	{
	case EC_OTHER:
		return KCAT_OTHER;
	case EC_FILE:
		return KCAT_FILE;
	case EC_NET:
		return KCAT_NET;
	case EC_IPC:
		return KCAT_IPC;
	case EC_MEMORY:
		return KCAT_MEMORY;
	case EC_PROCESS:
		return KCAT_PROCESS;
	case EC_SLEEP:
		return KCAT_SLEEP;
	case EC_SYSTEM:
		return KCAT_SYSTEM;
	case EC_SIGNAL:
		return KCAT_SIGNAL;
	case EC_USER:
		return KCAT_USER;
	case EC_TIME:
		return KCAT_TIME;
	case EC_IO_READ:
	case EC_IO_WRITE:
	case EC_IO_OTHER:
		switch(cat.m_subcategory)
		{
		case sinsp_evt::SC_FILE:
			return KCAT_FILE;
		case sinsp_evt::SC_NET:
			return KCAT_NET;
		case sinsp_evt::SC_IPC:
			return KCAT_IPC;
		default:
			return KCAT_OTHER;
		}
	default:
		return KCAT_OTHER;
	}
}

/* The seed's get_kindling_source: direction bit of the type, with the driver's meta and
 * non-syscall events as unknown. Deviation from the seed: its table returned unknown for
 * PPME_SCHEDSWITCH_6_E and PPME_PROCEXIT_1_E and syscall_enter for PPME_SIGNALDELIVER_E,
 * although all three come from kernel tracepoints (sched_switch, sched_process_exit,
 * signal_deliver); here they are reported as tracepoint. The Kindling kprobe events of
 * the seed (tcp_close, tcp_rcv_established, ...) do not exist in this libsinsp. */
uint16_t kindling_source_of(uint16_t type)
{
	if(PPME_IS_ENTER(type))
	{
		switch(type)
		{
		case PPME_SCHEDSWITCH_6_E:
		case PPME_PROCEXIT_1_E:
		case PPME_SIGNALDELIVER_E:
			return KSRC_TRACEPOINT;
		case PPME_PROCEXIT_E:
		case PPME_SYSDIGEVENT_E:
		case PPME_CONTAINER_E:
		case PPME_PROCINFO_E:
		case PPME_SCHEDSWITCH_1_E:
		case PPME_DROP_E:
		case PPME_CPU_HOTPLUG_E:
		case PPME_K8S_E:
		case PPME_TRACER_E:
		case PPME_MESOS_E:
		case PPME_CONTAINER_JSON_E:
		case PPME_NOTIFICATION_E:
		case PPME_INFRASTRUCTURE_EVENT_E:
		case PPME_PAGE_FAULT_E:
			return KSRC_UNKNOWN;
		default:
			return KSRC_SYSCALL_ENTER;
		}
	}
	switch(type)
	{
	case PPME_CONTAINER_X:
	case PPME_PROCINFO_X:
	case PPME_SCHEDSWITCH_1_X:
	case PPME_DROP_X:
	case PPME_CPU_HOTPLUG_X:
	case PPME_K8S_X:
	case PPME_TRACER_X:
	case PPME_MESOS_X:
	case PPME_CONTAINER_JSON_X:
	case PPME_NOTIFICATION_X:
	case PPME_INFRASTRUCTURE_EVENT_X:
	case PPME_PAGE_FAULT_X:
		return KSRC_UNKNOWN;
	default:
		return KSRC_SYSCALL_EXIT;
	}
}

uint8_t kindling_l4proto_of(scap_l4_proto proto)
{
	switch(proto)
	{
	case SCAP_L4_TCP:
		return KL4_TCP;
	case SCAP_L4_UDP:
		return KL4_UDP;
	case SCAP_L4_ICMP:
		return KL4_ICMP;
	case SCAP_L4_RAW:
		return KL4_RAW;
	default:
		return KL4_UNKNOWN;
	}
}

/* ------------------------------------------------------------------------------------ */
/* Handles                                                                               */
/* ------------------------------------------------------------------------------------ */

struct filter_table
{
	std::vector<uint8_t> types;   // ntypes * 16
	std::vector<uint8_t> generic; // 2 * nsc * 16
	int32_t ntypes = 0;
	int32_t nsc = 0;
};

struct kp_handle
{
	std::unique_ptr<sinsp> insp;
	bool live = false;

	/* Capture files: index of the first event that libsinsp must not parse (-1: none). */
	int64_t first_bad_event = -1;
	std::string bad_event_reason;

	std::atomic<int64_t> own_pid{0};

	/* Set by kp_count_rest: read to the end applying drop rules and filter, copy nothing. */
	bool count_only = false;
	std::atomic<int64_t> counters[KP_CNT_COUNT];

	/* Counts one event. Only the thread reading events (under io_mu) writes the counters, so a
	 * relaxed load and store suffice; a locked increment here would also wait, per event, for
	 * the record just written to the batch to leave the store buffer. */
	inline void bump(kp_counter c)
	{
		counters[c].store(counters[c].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
	}

	/* Filter staged by kp_set_filter, installed at the start of the next batch. */
	std::mutex staged_mu;
	bool staged_dirty = false;
	filter_table staged;
	/* Threadless filter staged by kp_set_threadless_filter (types only), same rule. */
	bool staged_threadless_dirty = false;
	filter_table staged_threadless;

	/* Everything below is used only under io_mu (one batch at a time). */
	std::mutex io_mu;
	filter_table active; // all zeros (empty) until kp_set_filter: nothing passes
	filter_table active_threadless; // empty until kp_set_threadless_filter: none passes
	sinsp_evt* pending = nullptr; // survived the drop rules, did not fit the last batch
	bool eof = false;
	bool failed = false; // sinsp failed or threw: the handle only reports the error now

	std::mutex err_mu;
	std::string last_error;

	kp_handle()
	{
		for(auto& c : counters)
		{
			c.store(0);
		}
	}

	~kp_handle()
	{
		try
		{
			if(insp)
			{
				insp->close();
			}
			insp.reset();
		}
		catch(...)
		{
			/* nothing sensible to do while closing */
		}
	}

	void set_error(const std::string& msg) noexcept
	{
		try
		{
			std::lock_guard<std::mutex> lock(err_mu);
			last_error = msg;
		}
		catch(...)
		{
		}
	}

	/* For catch blocks: builds the message inside the try, so nothing can escape. */
	void set_error(const char* prefix, const char* what) noexcept
	{
		try
		{
			std::string msg(prefix != nullptr ? prefix : "");
			msg += what != nullptr ? what : "";
			set_error(msg);
		}
		catch(...)
		{
		}
	}

	std::string get_error()
	{
		std::lock_guard<std::mutex> lock(err_mu);
		return last_error;
	}
};

std::mutex g_registry_mu;
std::map<int64_t, std::shared_ptr<kp_handle>> g_registry;
int64_t g_next_id = 1;

/* Error of calls that have no valid handle to store it in (kp_last_error(0, ...)). */
std::mutex g_error_mu;
std::string g_last_error;

void set_global_error(const std::string& msg) noexcept
{
	try
	{
		std::lock_guard<std::mutex> lock(g_error_mu);
		g_last_error = msg;
	}
	catch(...)
	{
	}
}

void set_global_error(const char* prefix, const char* what) noexcept
{
	try
	{
		std::string msg(prefix != nullptr ? prefix : "");
		msg += what != nullptr ? what : "";
		set_global_error(msg);
	}
	catch(...)
	{
	}
}

std::shared_ptr<kp_handle> lookup(int64_t h)
{
	if(h <= 0)
	{
		set_global_error("invalid handle 0");
		return nullptr;
	}
	std::lock_guard<std::mutex> lock(g_registry_mu);
	auto it = g_registry.find(h);
	if(it == g_registry.end())
	{
		set_global_error("unknown or closed handle " + std::to_string(h));
		return nullptr;
	}
	return it->second;
}

int64_t register_handle(std::shared_ptr<kp_handle> handle)
{
	std::lock_guard<std::mutex> lock(g_registry_mu);
	int64_t id = g_next_id++;
	g_registry[id] = std::move(handle);
	return id;
}

/* Opens a sinsp inspector with `opener` and registers it; 0 and a message on failure.
 * For a capture file (check_path != nullptr) the file is first checked structurally. */
template<typename Opener>
int64_t open_handle(bool live, const char* check_path, Opener opener, char* err, int32_t errcap) noexcept
{
	const char* what = nullptr;
	try
	{
		auto handle = std::make_shared<kp_handle>();
		handle->live = live;
		if(check_path != nullptr)
		{
			kindling_probe::capture_check_result check = kindling_probe::check_capture_file(check_path);
			handle->first_bad_event = check.first_bad_event;
			handle->bad_event_reason = check.reason;
		}
		handle->own_pid.store(static_cast<int64_t>(getpid()));
		handle->insp.reset(new sinsp());
		handle->insp->set_hostname_and_port_resolution_mode(false);
		opener(*handle->insp);
		int64_t id = register_handle(std::move(handle));
		copy_message("", err, errcap);
		return id;
	}
	catch(const std::exception& e)
	{
		what = e.what();
		if(what == nullptr || what[0] == '\0')
		{
			what = "libsinsp failed to open the capture";
		}
		/* copied while the exception object is alive */
		set_global_error("", what);
		copy_message(what, err, errcap);
		return 0;
	}
	catch(...)
	{
		what = "unknown exception while opening the capture";
		set_global_error("", what);
		copy_message(what, err, errcap);
		return 0;
	}
}

/* ------------------------------------------------------------------------------------ */
/* Record encoding                                                                       */
/* ------------------------------------------------------------------------------------ */

/* The parameters of an event as libsinsp's sinsp_evt::load_params sees them: the count is
 * the smaller of the event table's and the record's, the lengths are u16 (u32 for large
 * payload events) after the header, the values follow the record's own count of lengths.
 * A value that would end past the record is cut to what the record holds (the capture
 * check refuses such files; this keeps a live event from the driver just as safe). */
struct param_cursor
{
	const uint8_t* lens;
	const uint8_t* val;
	const uint8_t* end;
	uint32_t count;
	bool large;

	explicit param_cursor(sinsp_evt* ev)
	{
		const scap_evt* rec = test_helpers::event_builder::record(ev);
		const ppm_event_info* info = test_helpers::event_builder::info(ev);
		large = (info->flags & EF_LARGE_PAYLOAD) != 0;
		count = info->nparams < rec->nparams ? info->nparams : rec->nparams;
		lens = reinterpret_cast<const uint8_t*>(rec) + sizeof(struct ppm_evt_hdr);
		val = lens + static_cast<size_t>(rec->nparams) * (large ? sizeof(uint32_t) : sizeof(uint16_t));
		end = reinterpret_cast<const uint8_t*>(rec) + rec->len;
		if(val > end)
		{
			count = 0;
		}
	}

	/* Length of parameter i (i < count), read in order. */
	inline uint32_t length(uint32_t i) const
	{
		if(large)
		{
			uint32_t len;
			std::memcpy(&len, lens + i * sizeof(uint32_t), sizeof(len));
			return len;
		}
		uint16_t len;
		std::memcpy(&len, lens + i * sizeof(uint16_t), sizeof(len));
		return len;
	}

	/* The next parameter's value and length; advances. */
	inline const char* next(uint32_t i, uint32_t* len_out)
	{
		uint32_t len = length(i);
		size_t room = static_cast<size_t>(end - val);
		const uint8_t* v = val;
		if(len > room)
		{
			len = static_cast<uint32_t>(room);
		}
		val += len;
		*len_out = len;
		return reinterpret_cast<const char*>(v);
	}
};

/* Value of the "ID" parameter (PT_SYSCALLID, 2 bytes, the first) of PPME_GENERIC_E/X. */
uint16_t generic_sc_of(sinsp_evt* ev)
{
	param_cursor c(ev);
	if(c.count == 0)
	{
		return NO_GENERIC_SC;
	}
	uint32_t len;
	const char* v = c.next(0, &len);
	if(len < sizeof(uint16_t))
	{
		return NO_GENERIC_SC;
	}
	uint16_t sc;
	std::memcpy(&sc, v, sizeof(sc));
	return sc;
}

inline uint64_t word_of(const void* p, size_t n)
{
	uint64_t w = 0;
	std::memcpy(&w, p, n);
	return w;
}

inline size_t padded(size_t n)
{
	return (n + 7) & ~static_cast<size_t>(7);
}

inline bool is_socket(const sinsp_fdinfo_t* fdinfo)
{
	switch(fdinfo->m_type)
	{
	case SCAP_FD_IPV4_SOCK:
	case SCAP_FD_IPV4_SERVSOCK:
	case SCAP_FD_IPV6_SOCK:
	case SCAP_FD_IPV6_SERVSOCK:
	case SCAP_FD_UNIX_SOCK:
		return true;
	default:
		return false;
	}
}

/* The parts of a record in front of the event's scap record, gathered before the size check so
 * that an event that does not fit leaves the buffer untouched. */
struct record_head
{
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

void plan_head(sinsp_evt* ev, sinsp_threadinfo* tinfo, record_head* head)
{
	head->rec = test_helpers::event_builder::record(ev);
	uint16_t type = head->rec->type;
	if(type == PPME_GENERIC_E || type == PPME_GENERIC_X)
	{
		head->generic_sc = generic_sc_of(ev);
	}
	if(test_helpers::event_builder::info(ev)->flags & EF_LARGE_PAYLOAD)
	{
		head->flags |= KP_FLAG_LARGE_PAYLOAD;
	}
	size_t size = KP_RECORD_FIXED_SIZE;
	head->fdinfo = ev->get_fd_info();
	if(head->fdinfo != nullptr)
	{
		head->flags |= KP_FLAG_FD_INFO;
		head->fdname_len = string_len(head->fdinfo->m_name);
		if(is_socket(head->fdinfo))
		{
			head->flags |= KP_FLAG_SOCKET;
			size += KP_SOCKET_BLOCK_SIZE;
		}
	}
	if(tinfo != nullptr)
	{
		head->comm_len = string_len(tinfo->m_comm);
		head->container_len = string_len(tinfo->m_container_id);
	}
	else
	{
		head->flags |= KP_FLAG_NO_THREAD;
	}
	head->size = size + head->comm_len + head->container_len + head->fdname_len;
}

/* Whether the scap record can be copied as it is: its header and lengths lie inside it. */
inline bool record_is_whole(const scap_evt* rec)
{
	return rec->len >= sizeof(struct ppm_evt_hdr);
}

/* The event's scap record rewritten with every parameter longer than max_len cut to max_len,
 * and only the parameters libsinsp reads (param_cursor): written at dst unless dst is null.
 * Returns its size; sets *cut when a parameter is cut. */
size_t cut_record(sinsp_evt* ev, uint32_t max_len, uint8_t* dst, bool* cut)
{
	param_cursor c(ev);
	size_t width = c.large ? sizeof(uint32_t) : sizeof(uint16_t);
	size_t off = sizeof(struct ppm_evt_hdr) + c.count * width;
	for(uint32_t i = 0; i < c.count; i++)
	{
		uint32_t len;
		const char* v = c.next(i, &len);
		if(len > max_len)
		{
			len = max_len;
			*cut = true;
		}
		if(dst != nullptr)
		{
			uint8_t* lens = dst + sizeof(struct ppm_evt_hdr);
			if(c.large)
			{
				put<uint32_t>(lens, i * width, len);
			}
			else
			{
				put<uint16_t>(lens, i * width, static_cast<uint16_t>(len));
			}
			std::memcpy(dst + off, v, len);
		}
		off += len;
	}
	if(dst != nullptr)
	{
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
void write_record(sinsp_evt* ev, sinsp_threadinfo* tinfo, const record_head& head, uint16_t kcat, size_t size,
                  int64_t cut_to, uint8_t* dst)
{
	uint16_t type = head.rec->type;
	uint16_t source = kindling_source_of(type);
	uint64_t latency = 0;
	uint64_t pid;
	uint64_t tid;
	uint64_t ids = 0;
	if(tinfo != nullptr)
	{
		latency = source == KSRC_SYSCALL_EXIT ? tinfo->m_latency : 0;
		pid = static_cast<uint64_t>(tinfo->m_pid);
		tid = static_cast<uint64_t>(tinfo->m_tid);
		ids = static_cast<uint64_t>(tinfo->m_uid) | static_cast<uint64_t>(tinfo->m_gid) << 32;
	}
	else
	{
		/* threadless (KP_FLAG_NO_THREAD): only the event's own tid is known */
		pid = tid = static_cast<uint64_t>(ev->get_tid());
	}
	sinsp_fdinfo_t* fdinfo = head.fdinfo;
	/* offsets 56..63: fdname_len, fd type, l4 protocol, server role */
	uint64_t fd_word = head.fdname_len;
	if(fdinfo != nullptr)
	{
		fd_word |= static_cast<uint64_t>(static_cast<uint8_t>(fdinfo->m_type)) << 16;
	}

	put<uint64_t>(dst, 0, static_cast<uint64_t>(static_cast<uint32_t>(size)) |
	                          static_cast<uint64_t>(head.flags) << 32 | static_cast<uint64_t>(kcat & 0xFF) << 48 |
	                          static_cast<uint64_t>(source & 0xFF) << 56);
	put<uint64_t>(dst, 8, pid);
	put<uint64_t>(dst, 16, tid);
	put<uint64_t>(dst, 24, latency);
	put<uint64_t>(dst, 32, ids);
	put<uint64_t>(dst, 40, static_cast<uint64_t>(ev->get_fd_num()));
	put<uint64_t>(dst, 48, static_cast<uint64_t>(static_cast<uint16_t>(ev->get_cpuid())) |
	                           static_cast<uint64_t>(head.generic_sc) << 16 |
	                           static_cast<uint64_t>(head.comm_len) << 32 |
	                           static_cast<uint64_t>(head.container_len) << 48);
	size_t off = KP_RECORD_FIXED_SIZE;
	if(head.flags & KP_FLAG_SOCKET)
	{
		const sinsp_sockinfo& si = fdinfo->m_sockinfo;
		uint64_t sport = 0;
		uint64_t dport = 0;
		uint64_t sip[2] = {0, 0};
		uint64_t dip[2] = {0, 0};
		bool inet = true;
		switch(fdinfo->m_type)
		{
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
		if(inet)
		{
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

	if(tinfo != nullptr)
	{
		copy_string(dst + off, tinfo->m_comm, head.comm_len);
		off += head.comm_len;
		copy_string(dst + off, tinfo->m_container_id, head.container_len);
		off += head.container_len;
	}
	if(fdinfo != nullptr)
	{
		copy_string(dst + off, fdinfo->m_name, head.fdname_len);
		off += head.fdname_len;
	}
	if(cut_to < 0)
	{
		std::memcpy(dst + off, head.rec, head.rec->len);
	}
	else
	{
		bool cut = false;
		cut_record(ev, static_cast<uint32_t>(cut_to), dst + off, &cut);
	}
}

/* ------------------------------------------------------------------------------------ */
/* Drop rules and filter                                                                 */
/* ------------------------------------------------------------------------------------ */

/* Applies the Kindling probe's drop rules in its order, then the filter table. Returns true when
 * the event survives; then *tinfo_out and *kcat_out are set. Counts the drop otherwise.
 * An event without thread information survives, with *tinfo_out null, only when its cell
 * of the threadless table is set (it then skips the main filter table): the converters
 * that need such events see them; sinks never do. */
bool survives(kp_handle& h, sinsp_evt* ev, sinsp_threadinfo** tinfo_out, uint16_t* kcat_out)
{
	ppm_event_category category = ev->get_category();
	if(!h.insp->is_debug_enabled() && (category & EC_INTERNAL))
	{
		h.bump(KP_CNT_DROP_INTERNAL);
		return false;
	}

	/* Own process: the pid comes from the thread info; without it the event's tid is
	 * compared (the main thread's tid is the pid), before the "no thread info" rule. */
	sinsp_threadinfo* tinfo = ev->get_thread_info();
	int64_t pid = tinfo != nullptr ? tinfo->m_pid : ev->get_tid();
	if(pid == h.own_pid.load(std::memory_order_relaxed))
	{
		h.bump(KP_CNT_DROP_OWN_PID);
		return false;
	}
	bool threadless = false;
	if(tinfo == nullptr)
	{
		const filter_table& t = h.active_threadless;
		uint16_t ttype = ev->get_type();
		threadless = ttype < t.ntypes &&
		             t.types[static_cast<size_t>(ttype) * KP_CATEGORY_CELLS + kindling_category_of(ev)] != 0;
		if(!threadless)
		{
			h.bump(KP_CNT_DROP_NO_THREAD);
			return false;
		}
	}

	if(category & EC_IO_BASE)
	{
		const sinsp_evt_param* res = ev->get_param_value_raw("res");
		int64_t value;
		if(res != nullptr && res->m_val != nullptr && read_signed(res, &value) && value <= 0)
		{
			h.bump(KP_CNT_DROP_IO_RES);
			return false;
		}
	}

	uint16_t kcat = kindling_category_of(ev);
	if(threadless)
	{
		*tinfo_out = nullptr;
		*kcat_out = kcat;
		return true;
	}
	uint16_t type = ev->get_type();
	const filter_table& f = h.active;
	bool pass = type < f.ntypes && f.types[static_cast<size_t>(type) * KP_CATEGORY_CELLS + kcat] != 0;
	if(pass && (type == PPME_GENERIC_E || type == PPME_GENERIC_X))
	{
		uint16_t sc = generic_sc_of(ev);
		size_t dir = type == PPME_GENERIC_E ? 0 : 1;
		pass = sc < f.nsc &&
		       f.generic[(dir * static_cast<size_t>(f.nsc) + sc) * KP_CATEGORY_CELLS + kcat] != 0;
	}
	if(!pass)
	{
		h.bump(KP_CNT_DROP_UNSUBSCRIBED);
		return false;
	}
	*tinfo_out = tinfo;
	*kcat_out = kcat;
	return true;
}

void install_staged_filter(kp_handle& h)
{
	std::lock_guard<std::mutex> lock(h.staged_mu);
	if(h.staged_dirty)
	{
		h.active = std::move(h.staged);
		h.staged = filter_table();
		h.staged_dirty = false;
	}
	if(h.staged_threadless_dirty)
	{
		h.active_threadless = std::move(h.staged_threadless);
		h.staged_threadless = filter_table();
		h.staged_threadless_dirty = false;
	}
}

void write_header(uint8_t* buf, uint32_t count, uint32_t used, int32_t status)
{
	put<uint32_t>(buf, 0, count);
	put<uint32_t>(buf, 4, used);
	put<int32_t>(buf, 8, status);
}

/* Outcome of trying to place one surviving event into the batch. */
enum class place_result
{
	WRITTEN,
	NO_ROOM
};

/* Writes the event at *off if it fits. A scap record is copied as it is; one that does not fit
 * even an empty batch (alone_in_batch) has its parameters cut, halving the longest allowed
 * until the record fits, rather than stalling the reader (flag bit1). NO_ROOM then means not
 * even its fixed part, strings and parameter lengths fit. */
place_result place(kp_handle& h, sinsp_evt* ev, sinsp_threadinfo* tinfo, uint16_t kcat,
                   bool alone_in_batch, uint8_t* buf, size_t cap, size_t* off, size_t* needed)
{
	record_head head;
	plan_head(ev, tinfo, &head);
	int64_t cut_to = -1;
	size_t size;
	if(record_is_whole(head.rec))
	{
		size = padded(head.size + head.rec->len);
	}
	else
	{
		/* too short to hold its own header: rewritten, without parameters */
		bool cut = false;
		cut_to = KP_MAX_PARAM_LEN;
		size = padded(head.size + cut_record(ev, KP_MAX_PARAM_LEN, nullptr, &cut));
	}
	*needed = size;
	if(size > cap - *off && alone_in_batch)
	{
		for(uint32_t max_len = KP_MAX_PARAM_LEN;; max_len /= 2)
		{
			bool cut = false;
			cut_to = max_len;
			size = padded(head.size + cut_record(ev, max_len, nullptr, &cut));
			if(cut)
			{
				head.flags |= KP_FLAG_PARAM_TRUNCATED;
			}
			if(size <= cap - *off || max_len == 0)
			{
				break;
			}
		}
	}
	if(size > cap - *off)
	{
		return place_result::NO_ROOM;
	}
	write_record(ev, tinfo, head, kcat, size, cut_to, buf + *off);
	*off += size;
	h.bump(KP_CNT_COPIED);
	if(tinfo == nullptr)
	{
		h.bump(KP_CNT_COPIED_NO_THREAD);
	}
	if(head.flags & KP_FLAG_PARAM_TRUNCATED)
	{
		h.bump(KP_CNT_PARAMS_CUT);
	}
	return place_result::WRITTEN;
}

std::string too_small_message(size_t cap, size_t needed)
{
	return "batch buffer of " + std::to_string(cap) + " bytes cannot hold an event of " +
	       std::to_string(needed) + " bytes even with its parameters cut (plus the " +
	       std::to_string(KP_BATCH_HEADER_SIZE) + "-byte header); the event is kept for a bigger buffer";
}

/* Throws before sinsp::next would parse the first structurally unsafe event of a capture
 * file. sinsp::next parses the event with index get_num_events() (the first call after
 * open parses the one before it, already read by open), so stopping when the count
 * reaches the bad index never lets libsinsp parse it. */
void guard_corrupt_event(kp_handle& h)
{
	if(h.first_bad_event >= 0 &&
	   h.insp->get_num_events() >= static_cast<uint64_t>(h.first_bad_event))
	{
		throw std::runtime_error("corrupt capture file: event #" + std::to_string(h.first_bad_event + 1) +
		                         " is unsafe to parse (" + h.bad_event_reason +
		                         "); reading stopped before it");
	}
}

/* The body of kp_next_batch; exceptions are handled by the caller. Events already written
 * when an error occurs are returned; the error is reported by the following call. */
int32_t next_batch(kp_handle& h, uint8_t* buf, size_t cap, int32_t max_events)
{
	install_staged_filter(h);
	std::memset(buf, 0, KP_BATCH_HEADER_SIZE);
	if(h.failed)
	{
		return -1;
	}

	uint32_t count = 0;
	size_t off = KP_BATCH_HEADER_SIZE;
	int32_t status = KP_STATUS_MORE;
	auto full = [&]() { return max_events > 0 && count >= static_cast<uint32_t>(max_events); };

	try
	{
		if(h.pending != nullptr && !full())
		{
			sinsp_evt* ev = h.pending;
			/* null when it passed through the threadless filter */
			sinsp_threadinfo* tinfo = ev->get_thread_info();
			size_t needed = 0;
			uint16_t kcat = kindling_category_of(ev);
			if(place(h, ev, tinfo, kcat, true, buf, cap, &off, &needed) == place_result::NO_ROOM)
			{
				h.set_error(too_small_message(cap, needed));
				return -1;
			}
			h.pending = nullptr;
			count++;
		}

		int consecutive_timeouts = 0;
		uint32_t read_here = 0;
		while(!full())
		{
			if(count > 0 && read_here >= MAX_READ_PER_BATCH && !h.count_only)
			{
				break;
			}
			if(h.eof)
			{
				status = KP_STATUS_EOF;
				break;
			}
			guard_corrupt_event(h);
			sinsp_evt* ev = nullptr;
			int32_t res = h.insp->next(&ev);
			if(res == SCAP_TIMEOUT)
			{
				h.bump(KP_CNT_TIMEOUTS);
				if(h.live || ++consecutive_timeouts >= MAX_CONSECUTIVE_FILE_TIMEOUTS)
				{
					status = count == 0 ? KP_STATUS_TIMEOUT : KP_STATUS_MORE;
					break;
				}
				continue;
			}
			if(res == SCAP_EOF)
			{
				h.eof = true;
				status = KP_STATUS_EOF;
				break;
			}
			if(res != SCAP_SUCCESS || ev == nullptr)
			{
				std::string detail = h.insp->getlasterr();
				throw std::runtime_error("sinsp::next returned " + std::to_string(res) +
				                         (detail.empty() ? std::string() : ": " + detail));
			}
			consecutive_timeouts = 0;
			read_here++;
			h.bump(KP_CNT_READ);

			sinsp_threadinfo* tinfo = nullptr;
			uint16_t kcat = 0;
			if(!survives(h, ev, &tinfo, &kcat))
			{
				continue;
			}
			if(h.count_only)
			{
				/* benchmark baseline: what survives is counted, nothing is copied */
				h.bump(KP_CNT_COPIED);
				if(tinfo == nullptr)
				{
					h.bump(KP_CNT_COPIED_NO_THREAD);
				}
				count++;
				continue;
			}
			size_t needed = 0;
			if(place(h, ev, tinfo, kcat, count == 0, buf, cap, &off, &needed) == place_result::NO_ROOM)
			{
				/* sinsp keeps the event valid until the next sinsp::next */
				h.pending = ev;
				if(count == 0)
				{
					h.set_error(too_small_message(cap, needed));
					return -1;
				}
				break;
			}
			count++;
		}
	}
	catch(const std::exception& e)
	{
		h.failed = true;
		const char* what = e.what();
		h.set_error("", what != nullptr && what[0] != '\0' ? what : "libsinsp threw an exception");
		h.pending = nullptr;
		if(count == 0)
		{
			return -1;
		}
		status = KP_STATUS_MORE;
	}
	catch(...)
	{
		h.failed = true;
		h.set_error("", "unknown exception while reading events");
		h.pending = nullptr;
		if(count == 0)
		{
			return -1;
		}
		status = KP_STATUS_MORE;
	}

	write_header(buf, count, static_cast<uint32_t>(off), status);
	return static_cast<int32_t>(count);
}

/* ------------------------------------------------------------------------------------ */
/* Event table text                                                                      */
/* ------------------------------------------------------------------------------------ */

std::string bounded_cstr(const char* s, size_t max)
{
	if(s == nullptr)
	{
		return std::string();
	}
	return std::string(s, strnlen(s, max));
}

std::string build_event_table()
{
	std::string text;
	text.reserve(64 * 1024);
	const struct ppm_event_info* events = scap_get_event_info_table();
	for(uint32_t t = 0; events != nullptr && t < PPM_EVENT_MAX; t++)
	{
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
		if(nparams > PPM_MAX_EVENT_PARAMS)
		{
			nparams = PPM_MAX_EVENT_PARAMS;
		}
		text += std::to_string(nparams);
		text += '\t';
		for(uint32_t i = 0; i < nparams; i++)
		{
			if(i > 0)
			{
				text += ',';
			}
			text += bounded_cstr(info.params[i].name, PPM_MAX_NAME_LEN);
			text += ':';
			text += std::to_string(static_cast<int>(info.params[i].type));
		}
		text += '\n';
	}
	const struct ppm_syscall_desc* syscalls = scap_get_syscall_info_table();
	for(uint32_t sc = 0; syscalls != nullptr && sc < PPM_SC_MAX; sc++)
	{
		text += "S\t";
		text += std::to_string(sc);
		text += '\t';
		text += bounded_cstr(syscalls[sc].name, 256);
		text += '\n';
	}
	return text;
}

} // namespace

/* ------------------------------------------------------------------------------------ */
/* C API                                                                                 */
/* ------------------------------------------------------------------------------------ */

extern "C" {

int64_t kp_open_file(const char* path, char* err, int32_t errcap)
{
	if(path == nullptr || path[0] == '\0')
	{
		set_global_error("no capture file given");
		copy_message("no capture file given", err, errcap);
		return 0;
	}
	return open_handle(
		false, path, [path](sinsp& insp) { insp.open(std::string(path)); }, err, errcap);
}

int64_t kp_open_live(char* err, int32_t errcap)
{
	return open_handle(
		true, nullptr, [](sinsp& insp) { insp.open(); }, err, errcap);
}

int32_t kp_set_filter(int64_t h, const uint8_t* types, int32_t ntypes, const uint8_t* generic,
                      int32_t nsc)
{
	try
	{
		auto handle = lookup(h);
		if(!handle)
		{
			return -1;
		}
		if(ntypes < 0 || nsc < 0 || (ntypes > 0 && types == nullptr) ||
		   (nsc > 0 && generic == nullptr))
		{
			handle->set_error("kp_set_filter: invalid table sizes or null table");
			return -1;
		}
		filter_table t;
		t.ntypes = ntypes;
		t.nsc = nsc;
		t.types.assign(types, types + static_cast<size_t>(ntypes) * KP_CATEGORY_CELLS);
		t.generic.assign(generic, generic + 2 * static_cast<size_t>(nsc) * KP_CATEGORY_CELLS);
		std::lock_guard<std::mutex> lock(handle->staged_mu);
		handle->staged = std::move(t);
		handle->staged_dirty = true;
		return 0;
	}
	catch(const std::exception& e)
	{
		set_global_error("kp_set_filter: ", e.what());
		return -1;
	}
	catch(...)
	{
		set_global_error("kp_set_filter: unknown exception", "");
		return -1;
	}
}

int32_t kp_set_threadless_filter(int64_t h, const uint8_t* types, int32_t ntypes)
{
	try
	{
		auto handle = lookup(h);
		if(!handle)
		{
			return -1;
		}
		if(ntypes < 0 || (ntypes > 0 && types == nullptr))
		{
			handle->set_error("kp_set_threadless_filter: invalid table size or null table");
			return -1;
		}
		filter_table t;
		t.ntypes = ntypes;
		t.types.assign(types, types + static_cast<size_t>(ntypes) * KP_CATEGORY_CELLS);
		std::lock_guard<std::mutex> lock(handle->staged_mu);
		handle->staged_threadless = std::move(t);
		handle->staged_threadless_dirty = true;
		return 0;
	}
	catch(const std::exception& e)
	{
		set_global_error("kp_set_threadless_filter: ", e.what());
		return -1;
	}
	catch(...)
	{
		set_global_error("kp_set_threadless_filter: unknown exception", "");
		return -1;
	}
}

int32_t kp_next_batch(int64_t h, void* buf, int32_t cap, int32_t maxEvents)
{
	try
	{
		auto handle = lookup(h);
		if(!handle)
		{
			return -1;
		}
		if(buf == nullptr || cap < KP_BATCH_HEADER_SIZE)
		{
			handle->set_error("kp_next_batch: buffer is null or smaller than the 64-byte header");
			return -1;
		}
		std::lock_guard<std::mutex> lock(handle->io_mu);
		return next_batch(*handle, static_cast<uint8_t*>(buf), static_cast<size_t>(cap), maxEvents);
	}
	catch(const std::exception& e)
	{
		try
		{
			auto handle = lookup(h);
			if(handle)
			{
				handle->set_error("", e.what());
			}
		}
		catch(...)
		{
		}
		return -1;
	}
	catch(...)
	{
		return -1;
	}
}

int32_t kp_last_error(int64_t h, char* out, int32_t cap)
{
	try
	{
		std::string msg;
		std::shared_ptr<kp_handle> handle;
		if(h > 0)
		{
			std::lock_guard<std::mutex> lock(g_registry_mu);
			auto it = g_registry.find(h);
			if(it != g_registry.end())
			{
				handle = it->second;
			}
		}
		if(handle)
		{
			msg = handle->get_error();
		}
		else
		{
			std::lock_guard<std::mutex> lock(g_error_mu);
			msg = g_last_error;
		}
		copy_message(msg, out, cap);
		return static_cast<int32_t>(msg.size() > 0x7FFFFFFF ? 0x7FFFFFFF : msg.size());
	}
	catch(...)
	{
		copy_message("", out, cap);
		return 0;
	}
}

void kp_counters(int64_t h, int64_t* out)
{
	if(out == nullptr)
	{
		return;
	}
	try
	{
		for(int i = 0; i < KP_CNT_COUNT; i++)
		{
			out[i] = 0;
		}
		auto handle = lookup(h);
		if(!handle)
		{
			return;
		}
		for(int i = 0; i < KP_CNT_COUNT; i++)
		{
			out[i] = handle->counters[i].load(std::memory_order_relaxed);
		}
	}
	catch(...)
	{
	}
}

void kp_close(int64_t h)
{
	try
	{
		std::shared_ptr<kp_handle> handle;
		{
			std::lock_guard<std::mutex> lock(g_registry_mu);
			auto it = g_registry.find(h);
			if(it == g_registry.end())
			{
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
	}
	catch(...)
	{
	}
}

int32_t kp_event_table(char* out, int32_t cap)
{
	try
	{
		static const std::string text = build_event_table();
		size_t needed = text.size() + 1; // NUL included
		if(needed > 0x7FFFFFFF)
		{
			return -1;
		}
		if(out != nullptr && cap > 0)
		{
			if(static_cast<size_t>(cap) >= needed)
			{
				std::memcpy(out, text.data(), text.size());
				out[text.size()] = '\0';
			}
			else
			{
				out[0] = '\0';
			}
		}
		return static_cast<int32_t>(needed);
	}
	catch(const std::exception& e)
	{
		set_global_error("kp_event_table: ", e.what());
		return -1;
	}
	catch(...)
	{
		return -1;
	}
}

int32_t kp_set_own_pid(int64_t h, int64_t pid)
{
	try
	{
		auto handle = lookup(h);
		if(!handle)
		{
			return -1;
		}
		handle->own_pid.store(pid);
		return 0;
	}
	catch(...)
	{
		return -1;
	}
}

} // extern "C"

int64_t kp_count_rest(int64_t h)
{
	try
	{
		auto handle = lookup(h);
		if(!handle)
		{
			return -1;
		}
		std::lock_guard<std::mutex> lock(handle->io_mu);
		handle->count_only = true;
		uint8_t header[KP_BATCH_HEADER_SIZE];
		int64_t total = 0;
		while(true)
		{
			int32_t n = next_batch(*handle, header, sizeof(header), 1 << 30);
			if(n < 0)
			{
				handle->count_only = false;
				return -1;
			}
			total += n;
			int32_t status;
			std::memcpy(&status, header + 8, sizeof(status));
			if(status == KP_STATUS_EOF || (status == KP_STATUS_TIMEOUT && handle->live))
			{
				break;
			}
		}
		handle->count_only = false;
		return total;
	}
	catch(const std::exception& e)
	{
		try
		{
			auto handle = lookup(h);
			if(handle)
			{
				handle->count_only = false;
				handle->set_error("", e.what());
			}
		}
		catch(...)
		{
		}
		return -1;
	}
	catch(...)
	{
		return -1;
	}
}

int32_t kp_suppress_comm(int64_t h, const char* comm)
{
	try
	{
		auto handle = lookup(h);
		if(!handle)
		{
			return -1;
		}
		if(comm == nullptr || comm[0] == '\0')
		{
			handle->set_error("kp_suppress_comm: empty process name");
			return -1;
		}
		/* between two batches: sinsp is not reading while its suppression list changes */
		std::lock_guard<std::mutex> lock(handle->io_mu);
		if(!handle->insp->suppress_events_comm(std::string(comm)))
		{
			handle->set_error(std::string("cannot suppress '") + comm +
			                  "': libsinsp suppresses at most " +
			                  std::to_string(SCAP_MAX_SUPPRESSED_COMMS) + " process names");
			return -1;
		}
		return 0;
	}
	catch(const std::exception& e)
	{
		try
		{
			auto handle = lookup(h);
			if(handle)
			{
				handle->set_error("kp_suppress_comm: ", e.what());
			}
		}
		catch(...)
		{
		}
		return -1;
	}
	catch(...)
	{
		return -1;
	}
}
