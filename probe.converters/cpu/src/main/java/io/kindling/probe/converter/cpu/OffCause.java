package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.FdType;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.util.Set;

/**
 * Why a thread is off CPU, fixed when it leaves: the system call it was inside (null when none, or not
 * known), that call's fd and its name, and the {@link CpuType} they give.
 *
 * @param preempted it left inside no system call: run-queue time
 */
record OffCause(int type, boolean preempted, String syscall, long fd, String fdName) {
    private static final Set<String> SLEEPS = Set.of("nanosleep", "clock_nanosleep", "pause", "sigsuspend", "rt_sigsuspend",
            "rt_sigtimedwait", "sigtimedwait");
    private static final Set<String> WAITS = Set.of("epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select",
            "pselect6", "_newselect");

    /** Leaving the CPU inside no known system call: preempted when the thread is known to be in none. */
    static OffCause outside(boolean known) {
        return new OffCause(CpuType.OTHER, known, null, -1, "");
    }

    /** Leaving the CPU inside {@code syscall} on fd {@code fd} ({@code -1}: none) of type {@code fdType}. */
    static OffCause inside(String syscall, long fd, String fdName, FdType fdType) {
        return new OffCause(type(syscall, fd, fdType), false, syscall, fd, fdName);
    }

    private static int type(String syscall, long fd, FdType fdType) {
        if (syscall.equals("futex")) {
            return CpuType.FUTEX;
        }
        if (SLEEPS.contains(syscall)) {
            return CpuType.IDLE;
        }
        if (WAITS.contains(syscall)) {
            return CpuType.EPOLL;
        }
        if (fdType != null && fd >= 0) {
            if (fdType.isFile() || fdType == FdType.DIRECTORY) {
                return CpuType.FILE;
            }
            if (fdType.isInetSocket() || fdType == FdType.UNIX_SOCK) {
                return CpuType.NET;
            }
        }
        return CpuType.OTHER;
    }
}
