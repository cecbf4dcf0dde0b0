/* What the eBPF programs and the loader in user space both know: the per-syscall routing entry
 * and the indices of the per-CPU counters. Included by C (BPF) and C++ (loader). */
#pragma once

/* What user space tells the programs about each syscall number: the event types the 2022 table
 * uses for it (PPME_GENERIC_E/X where the probe has no filler of its own) and its PPM_SC code. */
struct sc_entry {
	__u16 enter;
	__u16 exit;
	__u16 code;
	__u16 flags;
};

enum probe_stat {
	STAT_SENT = 0,           /* events written into the BPF ring */
	STAT_DROP_RING = 1,      /* BPF ring full */
	STAT_DROP_INVALID = 2,   /* an event that could not be built */
	STAT_FILTERED_OWN = 3,   /* events of the probe's own process */
	STAT_FILTERED_SC = 4,    /* syscalls and events switched off */
	STAT_MAX = 5,
};

#define PROBE_SYSCALL_TABLE 512   /* = SYSCALL_TABLE_SIZE of the 2022 headers */
#define PROBE_EVT_TABLE 512       /* >= PPM_EVENT_MAX, a power of two */
