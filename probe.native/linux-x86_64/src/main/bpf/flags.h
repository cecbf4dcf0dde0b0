/* Linux flag values (x86-64) turned into the PPM_* values the 2022 event table uses. */
#pragma once

#include "fill.h"

static __always_inline u32 open_flags_to_ppm(unsigned long f) {
    u32 r;
    switch (f & 3) {
    case 1: r = PPM_O_WRONLY; break;
    case 2: r = PPM_O_RDWR; break;
    default: r = PPM_O_RDONLY; break;
    }
    if (f & 0100) r |= PPM_O_CREAT;
    if (f & 0200) r |= PPM_O_EXCL;
    if (f & 01000) r |= PPM_O_TRUNC;
    if (f & 02000) r |= PPM_O_APPEND;
    if (f & 04000) r |= PPM_O_NONBLOCK;
    if (f & 010000) r |= PPM_O_DSYNC;
    if (f & 040000) r |= PPM_O_DIRECT;
    if (f & 0100000) r |= PPM_O_LARGEFILE;
    if (f & 0200000) r |= PPM_O_DIRECTORY;
    if (f & 02000000) r |= PPM_O_CLOEXEC;
    if (f & 04000000) r |= PPM_O_SYNC;
    if (f & 020000000) r |= PPM_O_TMPFILE;
    return r;
}

/* The PPM_S_* bits are the Linux mode bits; they are reported only when a file may be created. */
static __always_inline u32 open_mode_to_ppm(unsigned long flags, unsigned long mode) {
    if (!(flags & (0100 | 020000000))) return 0;
    return mode & 07777;
}

static __always_inline u32 clone_flags_to_ppm(unsigned long f) {
    u32 r = 0;
    if (f & 0x00000100) r |= PPM_CL_CLONE_VM;
    if (f & 0x00000200) r |= PPM_CL_CLONE_FS;
    if (f & 0x00000400) r |= PPM_CL_CLONE_FILES;
    if (f & 0x00000800) r |= PPM_CL_CLONE_SIGHAND;
    if (f & 0x00002000) r |= PPM_CL_CLONE_PTRACE;
    if (f & 0x00004000) r |= PPM_CL_CLONE_VFORK;
    if (f & 0x00008000) r |= PPM_CL_CLONE_PARENT;
    if (f & 0x00010000) r |= PPM_CL_CLONE_THREAD;
    if (f & 0x00020000) r |= PPM_CL_CLONE_NEWNS;
    if (f & 0x00040000) r |= PPM_CL_CLONE_SYSVSEM;
    if (f & 0x00080000) r |= PPM_CL_CLONE_SETTLS;
    if (f & 0x00100000) r |= PPM_CL_CLONE_PARENT_SETTID;
    if (f & 0x00200000) r |= PPM_CL_CLONE_CHILD_CLEARTID;
    if (f & 0x00800000) r |= PPM_CL_CLONE_UNTRACED;
    if (f & 0x01000000) r |= PPM_CL_CLONE_CHILD_SETTID;
    if (f & 0x02000000) r |= PPM_CL_CLONE_NEWCGROUP;
    if (f & 0x04000000) r |= PPM_CL_CLONE_NEWUTS;
    if (f & 0x08000000) r |= PPM_CL_CLONE_NEWIPC;
    if (f & 0x10000000) r |= PPM_CL_CLONE_NEWUSER;
    if (f & 0x20000000) r |= PPM_CL_CLONE_NEWPID;
    if (f & 0x40000000) r |= PPM_CL_CLONE_NEWNET;
    if (f & 0x80000000) r |= PPM_CL_CLONE_IO;
    return r;
}

static __always_inline u8 fcntl_cmd_to_ppm(unsigned long cmd) {
    switch (cmd) {
    case 0: return PPM_FCNTL_F_DUPFD;
    case 1: return PPM_FCNTL_F_GETFD;
    case 2: return PPM_FCNTL_F_SETFD;
    case 3: return PPM_FCNTL_F_GETFL;
    case 4: return PPM_FCNTL_F_SETFL;
    case 5: return PPM_FCNTL_F_GETLK;
    case 6: return PPM_FCNTL_F_SETLK;
    case 7: return PPM_FCNTL_F_SETLKW;
    case 8: return PPM_FCNTL_F_SETOWN;
    case 9: return PPM_FCNTL_F_GETOWN;
    case 10: return PPM_FCNTL_F_SETSIG;
    case 11: return PPM_FCNTL_F_GETSIG;
    case 15: return PPM_FCNTL_F_SETOWN_EX;
    case 16: return PPM_FCNTL_F_GETOWN_EX;
    case 1024: return PPM_FCNTL_F_SETLEASE;
    case 1025: return PPM_FCNTL_F_GETLEASE;
    case 1026: return PPM_FCNTL_F_NOTIFY;
    case 1029: return PPM_FCNTL_F_CANCELLK;
    case 1030: return PPM_FCNTL_F_DUPFD_CLOEXEC;
    default: return PPM_FCNTL_UNKNOWN;
    }
}

static __always_inline u16 poll_events_to_ppm(s16 e) {
    u16 r = 0;
    if (e & 0x001) r |= PPM_POLLIN;
    if (e & 0x002) r |= PPM_POLLPRI;
    if (e & 0x004) r |= PPM_POLLOUT;
    if (e & 0x008) r |= PPM_POLLERR;
    if (e & 0x010) r |= PPM_POLLHUP;
    if (e & 0x020) r |= PPM_POLLNVAL;
    if (e & 0x040) r |= PPM_POLLRDNORM;
    if (e & 0x080) r |= PPM_POLLRDBAND;
    if (e & 0x100) r |= PPM_POLLWRNORM;
    if (e & 0x200) r |= PPM_POLLWRBAND;
    if (e & 0x2000) r |= PPM_POLLRDHUP;
    return r;
}

/* FUTEX_* operations 0..12, FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME have the PPM values. */
static __always_inline u16 futex_op_to_ppm(unsigned long op) {
    u16 cmd = op & 127;
    if (cmd > 12) cmd = 0;
    return cmd | (op & (128 | 256));
}

/* AT_FDCWD is -100 in Linux and in the table; other fds pass through as 64-bit values. */
static __always_inline s64 dirfd_to_ppm(unsigned long fd) { return (s64)(int)fd; }
