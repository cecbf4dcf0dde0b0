package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One window of a thread on its way to becoming a {@code cpu_event}: the contributors write its
 * details here, and {@link #toEvent} makes the event of its intervals and details.
 */
final class WindowDetails implements CpuDetails {
    private final long tid;
    private final List<CpuInterval> intervals;
    private final List<Map<String, Object>> entries;
    private final int maxLogBytes;
    private final StringBuilder log = new StringBuilder();
    /** The log's length in UTF-8 bytes, which {@code maxLogBytes} bounds. */
    private int logBytes;
    private boolean truncated;

    WindowDetails(long tid, List<CpuInterval> intervals, int maxLogBytes) {
        this.tid = tid;
        this.intervals = intervals;
        this.maxLogBytes = maxLogBytes;
        this.entries = new ArrayList<>(intervals.size());
        for (int i = 0; i < intervals.size(); i++) {
            entries.add(null);
        }
    }

    long tid() {
        return tid;
    }

    List<CpuInterval> intervals() {
        return intervals;
    }

    /** Whether the log was cut at {@code maxLogBytes}. */
    boolean truncated() {
        return truncated;
    }

    @Override
    public void add(int index, String key, Object value) {
        if (index < 0 || index >= entries.size() || key == null) {
            return;
        }
        Map<String, Object> m = entries.get(index);
        if (m == null) {
            m = new LinkedHashMap<>();
            entries.set(index, m);
        }
        m.put(key, value);
    }

    @Override
    public void log(CharSequence text) {
        int fits = Utf8.prefixFitting(text, maxLogBytes - logBytes);
        log.append(text, 0, fits);
        logBytes += Utf8.length(text, 0, fits);
        truncated |= fits < text.length();
    }

    /** The window as a {@code cpu_event} of {@code thread}: its intervals' times and types, then the details. */
    KindlingEvent toEvent(String name, ThreadContext thread) {
        long on = 0;
        long off = 0;
        int offCount = 0;
        for (CpuInterval i : intervals) {
            if (i.onCpu()) {
                on += i.duration();
            } else {
                off += i.duration();
                offCount++;
            }
        }
        ByteBuffer specs = ByteBuffer.allocate(8 * intervals.size()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer runq = ByteBuffer.allocate(8 * offCount).order(ByteOrder.LITTLE_ENDIAN);
        byte[] types = new byte[intervals.size()];
        for (int k = 0; k < intervals.size(); k++) {
            CpuInterval i = intervals.get(k);
            specs.putLong(i.duration());
            types[k] = (byte) i.type();
            if (!i.onCpu()) {
                runq.putLong(i.preempted() ? i.duration() : 0);
            }
        }
        long start = intervals.get(0).start();
        long end = intervals.get(intervals.size() - 1).end();
        KindlingEvent e = new KindlingEvent(name, Category.OTHER, Source.TRACEPOINT, start, 0, thread);
        e.addAttribute(Attribute.ofLong("on_total_time", ValueType.UINT64, on));
        e.addAttribute(Attribute.ofLong("off_total_time", ValueType.UINT64, off));
        e.addAttribute(Attribute.ofLong("start_time", ValueType.UINT64, start));
        e.addAttribute(Attribute.ofLong("end_time", ValueType.UINT64, end));
        e.addAttribute(Attribute.ofBytes("time_specs", specs.array()));
        e.addAttribute(Attribute.ofBytes("runq_latency", runq.array()));
        e.addAttribute(Attribute.ofBytes("time_type", types));
        if (log.length() > 0) {
            e.addAttribute(Attribute.ofString("log", log.toString()));
        }
        e.addAttribute(Attribute.ofString("on_info", info(true)));
        e.addAttribute(Attribute.ofString("off_info", info(false)));
        return e;
    }

    private String info(boolean on) {
        StringBuilder b = new StringBuilder().append('[');
        boolean first = true;
        for (int i = 0; i < intervals.size(); i++) {
            if (intervals.get(i).onCpu() != on) {
                continue;
            }
            if (!first) {
                b.append(',');
            }
            first = false;
            Map<String, Object> m = entries.get(i);
            Json.write(b, m == null ? Map.of() : m);
        }
        return b.append(']').toString();
    }

    @Override
    public String toString() {
        return "thread " + tid;
    }
}
