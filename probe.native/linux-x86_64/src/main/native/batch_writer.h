/*
 * Kindling Probe for OSGi - the batch writer: one surviving event into the batch buffer.
 *
 * Batch buffer (little-endian):
 *   header, 64 bytes: u32 event_count, u32 bytes_used (header included), i32 status
 *   (0 more may follow, 1 end of capture, 2 timeout), 52 reserved zero bytes.
 *   records from offset 64, each 8-byte aligned, fixed part of 64 bytes:
 *     0 u32 rec_len | 4 u16 flags | 6 u8 kcat | 7 u8 source | 8 i64 pid | 16 i64 tid
 *    24 u64 latency | 32 u32 uid | 36 u32 gid | 40 i64 fd_num | 48 u16 cpu (0xFFFF unknown)
 *    50 u16 generic_sc | 52 u16 comm_len | 54 u16 container_len | 56 u16 fdname_len
 *    58 u8 fd_type | 59 u8 l4proto | 60 u8 role_server | 61..63 zero
 *   then, when flags bit6 says the thread runs in a pid namespace of its own, 16 bytes: i64 vpid | i64 vtid;
 *   then, when flags bit4 says the fd is a socket, 40 bytes: u16 sport | u16 dport | u32 0
 *   | u8[16] sip | u8[16] dip (a unix socket: u64 source at sip, u64 destination at dip);
 *   then comm, container id (libsinsp's, else the probe's own from the thread's cgroups, container_id.h)
 *   and fd name bytes (each std::string's bytes, up to 65,535; a
 *   reader stops at a NUL, as C would); then the event's scap record as libscap
 *   read it (u64 ts | u64 tid | u32 len | u16 type | u32 nparams | nparams lengths, u16
 *   each, u32 with flags bit3 | the values); then zero padding to a multiple of 8.
 *   flags: bit0 fd info, bit1 a parameter was cut (the scap record was rewritten with the
 *   cut lengths), bit2 no thread information (the event passed through the threadless
 *   filter; pid and tid are the event's tid), bit3 u32 parameter lengths, bit4 socket block,
 *   bit5 (with bit2) a kernel TCP event of a kernel context, meant for sinks too (kernel_events.h),
 *   bit6 the namespace ids block.
 */
#ifndef KINDLING_BATCH_WRITER_H
#define KINDLING_BATCH_WRITER_H

#include "container_id.h"

#include <sinsp.h>

#include <stddef.h>
#include <stdint.h>

#include <string>

namespace kindling_probe {

/* Value of the "ID" parameter (the PPM_SC_* code) of PPME_GENERIC_E/X; 0xFFFF when absent. */
uint16_t generic_sc_of(sinsp_evt* ev);

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
