package io.kindling.probe.converter.cpu.contributor;

import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * What a thread wrote to its standard output and error (fds 1 and 2), as far as the capture holds the
 * data: each write that returned during one of the window's on intervals goes to the window's {@code log}.
 * What is kept per thread is bounded in bytes ({@link #MAX_BYTES_PER_THREAD}, the cpu converter's default
 * log bound), the newest writes first, so that large writes of many threads cannot fill the heap.
 */
@Component(service = CpuContributor.class, property = CpuContributor.NAME + "=log")
public final class LogContributor implements CpuContributor {
    private static final Set<String> WRITES = Set.of("syscall_exit-write", "syscall_exit-writev", "syscall_exit-pwrite",
            "syscall_exit-pwritev");

    /** The bytes of writes kept per thread at most: what one cpu_event's log holds by default. */
    public static final int MAX_BYTES_PER_THREAD = 16384;

    private record Line(long ts, String text, int bytes) {}

    private final PerThread<Line> lines = new PerThread<>(4096, 256);
    /** The bytes each thread's kept lines hold (entries dropped with the thread's lines). */
    private final java.util.Map<Long, Integer> bytes = new java.util.HashMap<>();

    @Override
    public void observe(RawEvent raw) {
        if (!raw.hasThread() || (raw.fdNum() != 1 && raw.fdNum() != 2) || !WRITES.contains(raw.name())) {
            return;
        }
        int r = raw.paramIndex("res");
        int d = raw.paramIndex("data");
        long res = r >= 0 ? raw.paramAsLong(r) : 0;
        if (res <= 0 || d < 0) {
            return;
        }
        byte[] data = raw.paramBytes(d);
        int n = (int) Math.min(Math.min(res, data.length), MAX_BYTES_PER_THREAD);
        long tid = raw.tid();
        var list = lines.of(tid);
        int kept = list.isEmpty() ? 0 : bytes.getOrDefault(tid, 0);
        if (list.size() >= 256) { // the line bound drops the oldest one: take its bytes off
            kept -= list.peekFirst().bytes();
        }
        while (!list.isEmpty() && kept + n > MAX_BYTES_PER_THREAD) {
            kept -= list.pollFirst().bytes();
        }
        lines.add(tid, new Line(raw.timestamp(), new String(data, 0, n, StandardCharsets.UTF_8), n));
        bytes.put(tid, kept + n);
        if (bytes.size() > 2 * lines.threads()) {
            bytes.keySet().removeIf(t -> lines.of(t).isEmpty()); // threads the line cache let go
        }
    }

    /** The bytes of writes kept for the thread. */
    long bytesKept(long tid) {
        long sum = 0;
        for (Line l : lines.of(tid)) {
            sum += l.bytes();
        }
        return sum;
    }

    @Override
    public void describe(long tid, List<CpuInterval> intervals, CpuDetails details) {
        var list = lines.of(tid);
        if (list.isEmpty()) {
            return;
        }
        for (Line l : list) {
            for (CpuInterval in : intervals) {
                if (in.onCpu() && in.contains(l.ts())) {
                    details.log(l.text());
                    break;
                }
            }
        }
        long from = intervals.get(0).start();
        list.removeIf(l -> l.ts() < from);
        bytes.put(tid, (int) bytesKept(tid));
    }

    @Override
    public void threadEnded(long tid) {
        lines.remove(tid);
        bytes.remove(tid);
    }

    @Override
    public void clear() {
        lines.clear();
        bytes.clear();
    }
}
