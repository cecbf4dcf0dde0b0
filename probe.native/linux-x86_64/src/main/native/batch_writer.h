/*
 * Kindling Probe for OSGi - the batch writer: one surviving event into the batch buffer, laid out as
 * the record schema of kindling_shim.h says (struct kp_batch_header, kp_record, kp_ns_block,
 * kp_socket_block). The container id is libsinsp's, else the probe's own from the thread's cgroups
 * (container_id.h). Both kinds of record, libsinsp's events (place) and the kernel TCP events
 * (kernel_events.cpp), are written through write_front.
 */
#ifndef KINDLING_BATCH_WRITER_H
#define KINDLING_BATCH_WRITER_H

#include "container_id.h"
#include "kindling_shim.h"

#include <sinsp.h>

#include <stddef.h>
#include <stdint.h>

#include <string>

namespace kindling_probe {

/* Value of the "ID" parameter (the PPM_SC_* code) of PPME_GENERIC_E/X; 0xFFFF when absent. */
uint16_t generic_sc_of(sinsp_evt* ev);

/* What a record holds in front of the event's scap record: the fixed part, the blocks its flags name
 * (KP_FLAG_NS_IDS, KP_FLAG_SOCKET) and its strings (comm_len, container_len, fdname_len bytes of comm,
 * container and fdname; null where the length is 0). */
struct record_front {
    kp_record fixed{};
    kp_ns_block ns{};
    kp_socket_block socket{};
    const std::string* comm = nullptr;
    const char* container = nullptr;
    const std::string* fdname = nullptr;

    /* Its size: the fixed part, the blocks and the strings. */
    size_t size() const;
};

/* Writes the front of a record of fixed.rec_len bytes at dst and zeroes the record's padding; returns the
 * offset where the event's scap record goes. */
size_t write_front(uint8_t* dst, const record_front& front);

/* The record schema as kp_record_layout() gives it (kindling_shim.h). */
std::string record_layout_text();

/* Writes the batch header: event count, bytes used (header included), status. */
void write_header(uint8_t* buf, uint32_t count, uint32_t used, int32_t status);

/* Outcome of trying to place one surviving event into the batch. */
enum class place_result { WRITTEN, NO_ROOM };

/* What a record says of its thread beside libsinsp's thread info: its container id and, for a thread in
 * a pid namespace of its own, its ids there (ns_ids). */
struct thread_extras {
    container_name container;
    bool ns_ids = false;
    int64_t vpid = 0;
    int64_t vtid = 0;
};

/* The extras of a thread (null: none). container_slot: container_id_of's. */
thread_extras extras_of(sinsp_threadinfo* tinfo, int64_t container_slot);

/* Writes the event's record at buf + *off if it fits, and advances *off. cpu: where the event ran,
 * -1 when the source does not say (the record's cpu is then 0xFFFF). An event that does not
 * fit an empty batch (alone_in_batch) is written with its longest parameters cut
 * (*params_cut). NO_ROOM: nothing written; *needed is the size it would take. */
place_result place(sinsp_evt* ev, sinsp_threadinfo* tinfo, const thread_extras& extras, uint16_t kcat,
                   bool alone_in_batch, uint8_t* buf, size_t cap, size_t* off, size_t* needed, bool* params_cut,
                   int32_t cpu);

/* The error of a batch buffer too small for one event. */
std::string too_small_message(size_t cap, size_t needed);

}  // namespace kindling_probe

#endif /* KINDLING_BATCH_WRITER_H */
