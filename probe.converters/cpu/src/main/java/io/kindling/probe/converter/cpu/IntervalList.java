package io.kindling.probe.converter.cpu;

import io.kindling.probe.converter.cpu.spi.CpuInterval;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The intervals of one thread in one window, in time order and contiguous. */
final class IntervalList {
    final long window;
    private int n;
    private long[] start = new long[8];
    private long[] end = new long[8];
    private byte[] type = new byte[8];
    private int[] cpu = new int[8];
    private boolean[] preempted = new boolean[8];
    private String[] syscall = new String[8];
    private long[] fd = new long[8];
    private String[] fdName = new String[8];

    IntervalList(long window) {
        this.window = window;
    }

    int size() {
        return n;
    }

    long first() {
        return start[0];
    }

    long last() {
        return end[n - 1];
    }

    void add(long s, long e, int t, int c, boolean pre, String sc, long f, String name) {
        if (n == start.length) {
            int cap = n * 2;
            start = Arrays.copyOf(start, cap);
            end = Arrays.copyOf(end, cap);
            type = Arrays.copyOf(type, cap);
            cpu = Arrays.copyOf(cpu, cap);
            preempted = Arrays.copyOf(preempted, cap);
            syscall = Arrays.copyOf(syscall, cap);
            fd = Arrays.copyOf(fd, cap);
            fdName = Arrays.copyOf(fdName, cap);
        }
        start[n] = s;
        end[n] = e;
        type[n] = (byte) t;
        cpu[n] = c;
        preempted[n] = pre;
        syscall[n] = sc;
        fd[n] = f;
        fdName[n] = name;
        n++;
    }

    List<CpuInterval> intervals() {
        List<CpuInterval> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new CpuInterval(start[i], end[i], type[i] == 0, type[i], cpu[i], syscall[i], fd[i], fdName[i], preempted[i]));
        }
        return list;
    }
}
