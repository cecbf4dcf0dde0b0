/*
 * Kindling Probe for OSGi - the Kindling probe's classification of events: its categories,
 * sources and L4 protocols, derived from libsinsp's event and fd information.
 */
#ifndef KINDLING_CLASSIFY_H
#define KINDLING_CLASSIFY_H

#include <sinsp.h>

#include <stdint.h>

namespace kindling_probe {

/* Kindling categories (the Kindling probe's enum Category). */
enum kindling_category : uint16_t {
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

/* Kindling event sources (the Kindling probe's enum Source). */
enum kindling_source : uint16_t {
    KSRC_UNKNOWN = 0,
    KSRC_SYSCALL_ENTER = 1,
    KSRC_SYSCALL_EXIT = 2,
    KSRC_TRACEPOINT = 3,
    KSRC_KPROBE = 4,
    KSRC_KRETPROBE = 5
};

/* Kindling L4 protocols (the Kindling probe's enum L4Proto). */
enum kindling_l4proto : uint8_t { KL4_UNKNOWN = 0, KL4_TCP = 1, KL4_UDP = 2, KL4_ICMP = 3, KL4_RAW = 4 };

/* The Kindling probe's get_kindling_category: driver category to Kindling category, I/O events by
 * the subcategory that libsinsp derives from the fd. Categories the Kindling probe does not name
 * (EC_UNKNOWN, EC_PROCESSING, EC_WAIT, EC_SCHEDULER, ...) become OTHER, as in the Kindling probe. */
inline uint16_t kindling_category_of(sinsp_evt* ev) {
    sinsp_evt::category cat;
    ev->get_category(&cat);
    switch (cat.m_category) {
    case EC_OTHER: return KCAT_OTHER;
    case EC_FILE: return KCAT_FILE;
    case EC_NET: return KCAT_NET;
    case EC_IPC: return KCAT_IPC;
    case EC_MEMORY: return KCAT_MEMORY;
    case EC_PROCESS: return KCAT_PROCESS;
    case EC_SLEEP: return KCAT_SLEEP;
    case EC_SYSTEM: return KCAT_SYSTEM;
    case EC_SIGNAL: return KCAT_SIGNAL;
    case EC_USER: return KCAT_USER;
    case EC_TIME: return KCAT_TIME;
    case EC_IO_READ:
    case EC_IO_WRITE:
    case EC_IO_OTHER:
        switch (cat.m_subcategory) {
        case sinsp_evt::SC_FILE: return KCAT_FILE;
        case sinsp_evt::SC_NET: return KCAT_NET;
        case sinsp_evt::SC_IPC: return KCAT_IPC;
        default: return KCAT_OTHER;
        }
    default: return KCAT_OTHER;
    }
}

/* The Kindling probe's get_kindling_source: direction bit of the type, with the driver's meta and
 * non-syscall events as unknown. Deviation from the Kindling probe: its table returned unknown for
 * PPME_SCHEDSWITCH_6_E and PPME_PROCEXIT_1_E and syscall_enter for PPME_SIGNALDELIVER_E,
 * although all three come from kernel tracepoints (sched_switch, sched_process_exit,
 * signal_deliver); here they are reported as tracepoint. Kindling's kernel TCP events
 * (tcp_close, tcp_rcv_established, ...) do not exist in this libsinsp: the shim adds them
 * after its types (kernel_events.cpp). */
inline uint16_t kindling_source_of(uint16_t type) {
    if (PPME_IS_ENTER(type)) {
        switch (type) {
        case PPME_SCHEDSWITCH_6_E:
        case PPME_PROCEXIT_1_E:
        case PPME_SIGNALDELIVER_E: return KSRC_TRACEPOINT;
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
        case PPME_PAGE_FAULT_E: return KSRC_UNKNOWN;
        default: return KSRC_SYSCALL_ENTER;
        }
    }
    switch (type) {
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
    case PPME_PAGE_FAULT_X: return KSRC_UNKNOWN;
    default: return KSRC_SYSCALL_EXIT;
    }
}

inline uint8_t kindling_l4proto_of(scap_l4_proto proto) {
    switch (proto) {
    case SCAP_L4_TCP: return KL4_TCP;
    case SCAP_L4_UDP: return KL4_UDP;
    case SCAP_L4_ICMP: return KL4_ICMP;
    case SCAP_L4_RAW: return KL4_RAW;
    default: return KL4_UNKNOWN;
    }
}

}  // namespace kindling_probe

#endif /* KINDLING_CLASSIFY_H */
