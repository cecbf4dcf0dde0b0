package io.kindling.probe.converter.cpu.spi;

/**
 * What a thread did in an interval, with the codes of the Kindling collector's {@code CPUType}:
 * on CPU 0; off CPU in file I/O 1, socket I/O 2, a futex 3, a sleep 4 (idle), another system call or
 * the run queue 5, waiting in epoll, poll or select 6.
 */
public final class CpuType {
    public static final int ON = 0;
    public static final int FILE = 1;
    public static final int NET = 2;
    public static final int FUTEX = 3;
    public static final int IDLE = 4;
    public static final int OTHER = 5;
    public static final int EPOLL = 6;

    private CpuType() {}
}
