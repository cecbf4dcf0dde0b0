package io.kindling.probe.converter.cpu.spi;

/**
 * One interval of a thread's window: on CPU (switched in to switched out, on {@code cpu}) or off CPU
 * (switched out to switched in). For an off interval, {@code syscall} is the system call the thread
 * was inside when it left the CPU ({@code null} when it was in none, or when that is not known), with
 * its fd number ({@code -1} when none) and libsinsp's name of that fd (a path or a tuple, or empty).
 * {@code preempted} is true for an off interval that began while the thread was inside no system
 * call: run-queue time.
 *
 * @param type a {@link CpuType} code
 */
public record CpuInterval(long start, long end, boolean onCpu, int type, int cpu, String syscall, long fd, String fdName,
        boolean preempted) {

    public long duration() {
        return end - start;
    }

    /** Whether {@code ts} lies in the interval: from its start included to its end excluded. */
    public boolean contains(long ts) {
        return ts >= start && ts < end;
    }
}
