package io.kindling.probe.converter.cpu;

import io.kindling.probe.converter.cpu.spi.CpuInterval;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The intervals of one thread in one window, in time order and contiguous. */
final class IntervalList {
    final long window;
    private int n;
    private long[] start = new long[8];
    private long[] end = new long[8];
    private int[] cpu = new int[8];
    /** Why the thread was off CPU in each interval; null for an interval on CPU. */
    private OffCause[] off = new OffCause[8];

    IntervalList(long window) {
        this.window = window;
    }

    int size() {
        return n;
    }

    /** Adds an interval on CPU {@code c}, or off CPU for {@code cause} (null: on CPU). */
    void add(long s, long e, int c, OffCause cause) {
        if (n == start.length) {
            int cap = n * 2;
            start = Arrays.copyOf(start, cap);
            end = Arrays.copyOf(end, cap);
            cpu = Arrays.copyOf(cpu, cap);
            off = Arrays.copyOf(off, cap);
        }
        start[n] = s;
        end[n] = e;
        cpu[n] = c;
        off[n] = cause;
        n++;
    }

    List<CpuInterval> intervals() {
        List<CpuInterval> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            OffCause o = off[i];
            list.add(o == null ? new CpuInterval(start[i], end[i], true, CpuType.ON, cpu[i], null, -1, null, false)
                    : new CpuInterval(start[i], end[i], false, o.type(), cpu[i], o.syscall(), o.fd(), o.fdName(), o.preempted()));
        }
        return list;
    }
}
