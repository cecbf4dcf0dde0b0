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
 */
@Component(service = CpuContributor.class, property = CpuContributor.NAME + "=log")
public final class LogContributor implements CpuContributor {
    private static final Set<String> WRITES = Set.of("syscall_exit-write", "syscall_exit-writev", "syscall_exit-pwrite",
            "syscall_exit-pwritev");

    private record Line(long ts, String text) {}

    private final PerThread<Line> lines = new PerThread<>(4096, 256);

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
        int n = (int) Math.min(res, data.length);
        lines.add(raw.tid(), new Line(raw.timestamp(), new String(data, 0, n, StandardCharsets.UTF_8)));
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
    }

    @Override
    public void threadEnded(long tid) {
        lines.remove(tid);
    }

    @Override
    public void clear() {
        lines.clear();
    }
}
