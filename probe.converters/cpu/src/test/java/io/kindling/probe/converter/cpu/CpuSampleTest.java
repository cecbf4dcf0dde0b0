package io.kindling.probe.converter.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.cpu.contributor.EpollContributor;
import io.kindling.probe.converter.cpu.contributor.FileContributor;
import io.kindling.probe.converter.cpu.contributor.FutexContributor;
import io.kindling.probe.converter.cpu.contributor.LogContributor;
import io.kindling.probe.converter.cpu.contributor.NetContributor;
import io.kindling.probe.core.TestEngine;
import io.kindling.probe.inspector.NativeInspector;
import io.kindling.probe.testing.Captures;
import io.kindling.probe.testing.Collector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On libs_sample.scap (228 switch events on 4 CPUs, about half of them from the idle task): each
 * thread's on-CPU intervals in the cpu_events, and their total, equal those worked out from the switch
 * events that sysdig prints; and the intervals of each event tile it.
 */
class CpuSampleTest {

    static final Map<String, Object> PROPERTIES = Map.of(
            Converter.NAME, "cpu",
            Converter.EMITS, CpuConverter.EMITS,
            Converter.NEEDS, CpuConverter.NEEDS,
            Converter.NEEDS_THREADLESS, CpuConverter.NEEDS_THREADLESS);

    @BeforeAll
    static void nativeInspector() {
        Captures.assumeNative();
    }

    /** A CPU converter with this bundle's contributors. */
    static CpuConverter converter(long windowNanos) {
        CpuConverter c = new CpuConverter(windowNanos, 65536, 4096, 16384);
        c.addContributor(new FileContributor(), Map.of());
        c.addContributor(new NetContributor(), Map.of());
        c.addContributor(new FutexContributor(), Map.of());
        c.addContributor(new EpollContributor(), Map.of());
        c.addContributor(new LogContributor(), Map.of());
        return c;
    }

    /** On intervals from sysdig's switch events: from a switch to T on a CPU to the next switch on that CPU, which switches T out. */
    static Map<Long, TreeSet<List<Long>>> sysdigOnIntervals(Path capture) throws Exception {
        Map<Integer, long[]> current = new HashMap<>(); // cpu -> {tid, since}
        Map<Long, TreeSet<List<Long>>> on = new TreeMap<>();
        for (String l : Captures.sysdig(capture, "%evt.rawtime %evt.cpu %thread.tid %evt.rawarg.next", "evt.type=switch")) {
            String[] f = l.trim().split(" ");
            long ts = Long.parseLong(f[0]);
            int cpu = Integer.parseInt(f[1]);
            long prev = Long.parseLong(f[2]);
            long next = Long.parseLong(f[3]);
            long[] cur = current.get(cpu);
            if (cur != null && cur[0] == prev && prev != 0 && ts > cur[1]) {
                on.computeIfAbsent(prev, k -> new TreeSet<>(CpuSampleTest::compare)).add(List.of(cur[1], ts));
            }
            current.put(cpu, new long[] {next, ts});
        }
        return on;
    }

    static int compare(List<Long> a, List<Long> b) {
        int c = Long.compare(a.get(0), b.get(0));
        return c != 0 ? c : Long.compare(a.get(1), b.get(1));
    }

    /** The on intervals of the events, the pieces cut at window boundaries joined again. */
    static Map<Long, TreeSet<List<Long>>> onIntervals(List<KindlingEvent> events, long window) {
        Map<Long, List<CpuEvents.Piece>> byTid = new HashMap<>();
        for (KindlingEvent e : events) {
            byTid.computeIfAbsent(CpuEvents.tid(e), k -> new ArrayList<>()).addAll(CpuEvents.pieces(e));
        }
        Map<Long, TreeSet<List<Long>>> on = new TreeMap<>();
        byTid.forEach((tid, pieces) -> {
            pieces.sort((a, b) -> Long.compare(a.start(), b.start()));
            TreeSet<List<Long>> set = new TreeSet<>(CpuSampleTest::compare);
            long s = -1;
            long e = -1;
            for (CpuEvents.Piece p : pieces) {
                if (p.type() != 0) {
                    continue;
                }
                if (s >= 0 && p.start() == e && e % window == 0) {
                    e = p.end(); // cut at a window boundary
                    continue;
                }
                if (s >= 0) {
                    set.add(List.of(s, e));
                }
                s = p.start();
                e = p.end();
            }
            if (s >= 0) {
                set.add(List.of(s, e));
            }
            on.put(tid, set);
        });
        on.values().removeIf(TreeSet::isEmpty);
        return on;
    }

    static List<KindlingEvent> replay(Path capture, CpuConverter converter, List<ConverterStatistics> stats, long[] copiedWithoutThread)
            throws Exception {
        Collector sink = new Collector();
        try (TestEngine engine = new TestEngine(new NativeInspector(1 << 21, 8192))) {
            engine.add(converter, PROPERTIES).add(sink, Map.of(Sink.SUBSCRIPTIONS, "cpu_event"));
            engine.replay(capture);
            stats.addAll(engine.engine.converterStatistics());
            copiedWithoutThread[0] = engine.engine.copiedWithoutThread();
        }
        return sink.events;
    }

    @ParameterizedTest(name = "window {0} ns")
    @ValueSource(longs = {1_000_000_000L, 10_000_000L})
    void onCpuTimeEqualsSysdigsSwitches(long window) throws Exception {
        Path capture = Captures.shared("libs_sample.scap");
        List<ConverterStatistics> stats = new ArrayList<>();
        long[] threadless = new long[1];
        List<KindlingEvent> events = replay(capture, converter(window), stats, threadless);

        assertTrue(events.size() > 10, "cpu_events: " + events.size());
        assertTrue(events.stream().allMatch(e -> e.name().equals("cpu_event")), "the switches themselves reach no sink");
        assertTrue(threadless[0] > 100, "the idle task's switches were read for the converter: " + threadless[0]);
        assertEquals(0L, stats.get(0).figures().get("breaks"));

        Map<Long, TreeSet<List<Long>>> expected = sysdigOnIntervals(capture);
        Map<Long, TreeSet<List<Long>>> actual = onIntervals(events, window);
        assertEquals(expected, actual);
        Map<Long, Long> expectedTotal = new TreeMap<>();
        expected.forEach((tid, set) -> expectedTotal.put(tid, set.stream().mapToLong(i -> i.get(1) - i.get(0)).sum()));
        Map<Long, Long> actualTotal = new TreeMap<>();
        for (KindlingEvent e : events) {
            long on = CpuEvents.attr(e, "on_total_time");
            if (on > 0) {
                actualTotal.merge(CpuEvents.tid(e), on, Long::sum);
            }
        }
        assertEquals(expectedTotal, actualTotal, "total on-CPU time per thread, to the nanosecond");
        assertTrue(expectedTotal.size() >= 10, "threads: " + expectedTotal.keySet());

        // each event's intervals tile it, inside one window; a thread's events do not overlap
        Map<Long, List<long[]>> spans = new HashMap<>();
        for (KindlingEvent e : events) {
            long start = CpuEvents.attr(e, "start_time");
            long end = CpuEvents.attr(e, "end_time");
            long sum = 0;
            for (long s : CpuEvents.specs(e)) {
                assertTrue(s > 0);
                sum += s;
            }
            assertEquals(end - start, sum, "durations tile the event");
            assertEquals(end - start, CpuEvents.attr(e, "on_total_time") + CpuEvents.attr(e, "off_total_time"));
            assertEquals(Math.floorDiv(start, window), Math.floorDiv(end - 1, window), "one window");
            byte[] types = CpuEvents.types(e);
            for (int i = 1; i < types.length; i++) {
                assertTrue((types[i] == 0) != (types[i - 1] == 0), "on and off alternate");
            }
            assertEquals(CpuEvents.specs(e).length, types.length);
            int off = 0;
            for (byte t : types) {
                off += t == 0 ? 0 : 1;
            }
            assertEquals(8 * off, ((byte[]) e.attribute("runq_latency").value()).length);
            spans.computeIfAbsent(CpuEvents.tid(e), k -> new ArrayList<>()).add(new long[] {start, end});
        }
        spans.forEach((tid, list) -> {
            list.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < list.size(); i++) {
                assertTrue(list.get(i)[0] >= list.get(i - 1)[1], "thread " + tid + " events overlap");
            }
        });
    }
}
