package io.kindling.probe.converter.apm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.cpu.CpuConverter;
import io.kindling.probe.core.TestEngine;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.inspector.NativeInspector;
import io.kindling.probe.testing.Captures;
import io.kindling.probe.testing.Collector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's Java scenario, replayed through the real engine and inspector with the apm bundle's
 * components and the cpu converter: what comes out is compared with the generator's log of the markers
 * it wrote (and with sysdig for the writes).
 */
class ApmScenarioTest {
    static final int EVENTS = 40_000;

    /** One line of the generator's marker log. */
    record Logged(long ts, long pid, long tid, String expect, long eventTs, String text) {
        String[] fields(int prefix) {
            return text.substring(prefix).split("!", -1);
        }
    }

    static Path capture;
    static List<Logged> log;
    static Collector apm = new Collector();
    static Collector cpu = new Collector();
    static Collector all = new Collector();
    static Map<String, Long> figures;

    @BeforeAll
    static void replay(@TempDir Path dir) throws Exception {
        Captures.assumeNative();
        capture = dir.resolve("java.scap");
        CaptureGenerator.generate(Scenario.JAVA, EVENTS, 7, capture);
        log = new ArrayList<>();
        for (String l : Files.readAllLines(CaptureGenerator.markerLog(capture))) {
            String[] f = l.split("\t", 6);
            log.add(new Logged(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], Long.parseLong(f[4]), f[5]));
        }
        JavaThreadNames names = new JavaThreadNames(1024);
        CpuConverter cpuConverter = new CpuConverter(100_000_000L, 65536, 4096, 16384);
        cpuConverter.addContributor(new TraceIdContributor(1024, 4096), Map.of());
        ApmMarkerConverter markers = new ApmMarkerConverter(names);
        try (TestEngine engine = new TestEngine(new NativeInspector(1 << 21, 8192))) {
            engine.add(markers, Map.of(Converter.NAME, "apm", Converter.EVENTS, "syscall_exit-write", Converter.FD_TYPES, "file",
                    Converter.EMITS, ApmMarkerConverter.EMITS, Converter.NEEDS, ApmMarkerConverter.NEEDS))
                    .add(new JavaThreadNameConverter(names), Map.of(Converter.NAME, "java-thread-names"))
                    .add(cpuConverter, Map.of(Converter.NAME, "cpu", Converter.EMITS, CpuConverter.EMITS,
                            Converter.NEEDS, CpuConverter.NEEDS, Converter.NEEDS_THREADLESS, CpuConverter.NEEDS_THREADLESS))
                    .add(apm, Map.of(Sink.SUBSCRIPTIONS, ApmMarkerConverter.EMITS.split(","), Sink.NAME, "apm"))
                    .add(cpu, Map.of(Sink.SUBSCRIPTIONS, "cpu_event", Sink.NAME, "cpu"))
                    .add(all, Map.of(Sink.SUBSCRIPTIONS, "all", Sink.NAME, "all"));
            engine.replay(capture);
            figures = engine.engine.converterStatistics().stream().filter(s -> s.name().equals("apm")).findFirst()
                    .map(ConverterStatistics::figures).orElseThrow();
        }
        System.out.println("java scenario, " + EVENTS + " events: markers written " + log.size() + ", by what they must give "
                + count() + "; apm converter " + figures);
    }

    private static Map<String, Long> count() {
        Map<String, Long> m = new TreeMap<>();
        for (Logged l : log) {
            m.merge(l.expect(), 1L, Long::sum);
        }
        return m;
    }

    private static String text(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        assertNotNull(a, key + " of " + e);
        assertEquals(ValueType.CHARBUF, a.type(), key);
        return (String) a.value();
    }

    private static long number(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        assertNotNull(a, key + " of " + e);
        assertEquals(ValueType.UINT64, a.type(), key);
        return a.longValue();
    }

    /** What the event of a logged marker must be, as one comparable line. */
    private static String expected(Logged l) {
        String head = l.expect() + " " + l.tid() + " " + l.eventTs() + " ";
        return switch (l.expect()) {
            case "java_futex_info" -> head + "end_time=" + l.fields(6)[1] + " data=" + l.text();
            case "apm_trace_id_event" -> {
                String[] f = l.fields(8);
                yield head + "trace_id=" + f[0] + " is_enter=" + f[1] + " protocol=" + f[2] + " url=" + f[3];
            }
            default -> {
                boolean versioned = l.text().startsWith("kd-span@1!");
                String[] f = l.fields(versioned ? 10 : 8);
                yield head + "end_time=" + l.ts() + " trace_id=" + f[2] + " span=" + f[1];
            }
        };
    }

    private static String actual(KindlingEvent e) {
        String head = e.name() + " " + e.thread().tid() + " " + e.timestamp() + " ";
        return switch (e.name()) {
            case "java_futex_info" -> head + "end_time=" + number(e, "end_time") + " data=" + text(e, "data");
            case "apm_trace_id_event" -> head + "trace_id=" + text(e, "trace_id") + " is_enter=" + text(e, "is_enter")
                    + " protocol=" + text(e, "protocol") + " url=" + text(e, "url");
            default -> head + "end_time=" + number(e, "end_time") + " trace_id=" + text(e, "trace_id") + " span=" + text(e, "span");
        };
    }

    @Test
    void everyMarkerGivesExactlyOneEventWithItsAttributes() {
        List<String> expected = new ArrayList<>();
        for (Logged l : log) {
            if (!l.expect().equals("malformed") && !l.expect().equals("thread_name")) {
                expected.add(expected(l));
            }
        }
        List<String> actual = new ArrayList<>();
        for (KindlingEvent e : apm.events) {
            actual.add(actual(e));
        }
        expected.sort(null);
        actual.sort(null);
        assertTrue(expected.size() > 1000, "events the markers must give: " + expected.size());
        sameLines(expected, actual);
        Map<String, Long> c = count();
        assertEquals(c.get("java_futex_info"), figures.get("java_futex_info"));
        assertEquals(c.get("apm_trace_id_event"), figures.get("apm_trace_id_event"));
        assertEquals(c.get("apm_span_event"), figures.get("apm_span_event"));
        assertEquals(c.get("thread_name"), figures.get("thread_names"));
        assertEquals((long) log.size(), figures.get("markers"));
    }

    /** Equal lists, or a failure that shows the first difference (the lists are long). */
    static void sameLines(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), "line " + i);
        }
        assertEquals(expected.size(), actual.size(), "lines");
    }

    @Test
    void malformedMarkersAreCountedAndDropped() {
        long malformed = count().getOrDefault("malformed", 0L);
        assertTrue(malformed >= 10, "malformed markers written: " + malformed);
        assertEquals(malformed, figures.get("malformed"));
        // none of them gave an event: the events equal the well-formed markers (checked above) in number
        assertEquals(log.size() - malformed - count().get("thread_name"), apm.events.size());
    }

    @Test
    void markerWritesAreNeverDeliveredAsWrites() throws Exception {
        long markerWrites = 0;
        for (KindlingEvent e : all.events) {
            if (e.name().endsWith("write") && e.source().label().equals("syscall_exit") && e.fd() != null && e.fd().num() == 9) {
                markerWrites++;
            }
        }
        assertEquals(0, markerWrites);
        long writes = all.events.stream().filter(e -> e.name().equals("syscall_exit-write")
                || e.name().equals("write") && e.source().label().equals("syscall_exit")).count();
        long sysdigWrites = Captures.sysdig(capture, "%evt.num", "evt.type=write and evt.dir=< and evt.rawres>0").size();
        assertEquals(sysdigWrites - log.size(), writes, "every other write is delivered");
        assertEquals((long) log.size(), figures.get("writes_withheld"));
    }

    @Test
    void javaThreadNamesReplaceCommFromTheMarkerOn() {
        Map<Long, Logged> named = new HashMap<>();
        for (Logged l : log) {
            if (l.expect().equals("thread_name")) {
                named.put(Long.parseLong(l.fields(6)[0]), l);
            }
        }
        assertEquals(3, named.size(), "the acceptor and two workers name themselves");
        int before = 0;
        int after = 0;
        for (KindlingEvent e : all.events) {
            Logged l = named.get(e.thread().tid());
            if (l == null || e.thread().pid() != l.pid()) {
                continue;
            }
            if (e.timestamp() > l.ts()) {
                assertEquals(l.fields(6)[1], e.thread().comm(), e.toString());
                after++;
            } else if (e.timestamp() < l.ts()) {
                assertEquals("java", e.thread().comm(), e.toString());
                before++;
            }
        }
        assertTrue(before > 0 && after > 1000, before + " events before a thread was named, " + after + " after");
        for (KindlingEvent e : apm.events) {
            Logged l = named.get(e.thread().tid());
            assertEquals(l.fields(6)[1], e.thread().comm(), "apm events carry the Java name");
        }
    }

    /** A request on its thread, from the write of its entry marker to that of its exit marker. */
    record Request(long tid, String traceId, long start, long end) {}

    @Test
    void cpuIntervalsCarryTheTraceIdsOfTheRequestsTheyServed() {
        Map<Long, List<Request>> requests = new HashMap<>();
        Map<String, Logged> open = new HashMap<>();
        for (Logged l : log) {
            if (!l.expect().equals("apm_trace_id_event")) {
                continue;
            }
            String[] f = l.fields(8);
            if (f[1].equals("1")) {
                open.put(l.tid() + "/" + f[0], l);
            } else {
                Logged s = open.remove(l.tid() + "/" + f[0]);
                requests.computeIfAbsent(l.tid(), k -> new ArrayList<>()).add(new Request(l.tid(), f[0], s.ts(), l.ts()));
            }
        }
        open.values().forEach(s -> requests.computeIfAbsent(s.tid(), k -> new ArrayList<>())
                .add(new Request(s.tid(), s.fields(8)[0], s.ts(), Long.MAX_VALUE)));

        Pattern entry = Pattern.compile("\\{(?:\"trace_id\":\"([0-9a-f]+)\")?\\}");
        int tagged = 0;
        int untagged = 0;
        for (KindlingEvent e : cpu.events) {
            List<Request> rs = requests.getOrDefault(e.thread().tid(), List.of());
            List<String> on = ids(entry, text(e, "on_info"));
            List<String> off = ids(entry, text(e, "off_info"));
            long t = e.attribute("start_time").longValue();
            ByteBuffer specs = ByteBuffer.wrap((byte[]) e.attribute("time_specs").value()).order(ByteOrder.LITTLE_ENDIAN);
            byte[] types = (byte[]) e.attribute("time_type").value();
            int onIndex = 0;
            int offIndex = 0;
            for (byte type : types) {
                long d = specs.getLong();
                String want = best(rs, t, t + d);
                String got = type == 0 ? on.get(onIndex++) : off.get(offIndex++);
                assertEquals(want, got, "thread " + e.thread().tid() + " interval [" + t + ", " + (t + d) + ")");
                if (want != null) {
                    tagged++;
                } else {
                    untagged++;
                }
                t += d;
            }
        }
        assertTrue(tagged > 500 && untagged > 100, tagged + " intervals with a trace id, " + untagged + " without");
    }

    private static List<String> ids(Pattern entry, String info) {
        List<String> list = new ArrayList<>();
        Matcher m = entry.matcher(info);
        while (m.find()) {
            list.add(m.group(1));
        }
        return list;
    }

    private static String best(List<Request> rs, long start, long end) {
        String best = null;
        long most = 0;
        for (Request r : rs) {
            long o = Math.min(r.end(), end) - Math.max(r.start(), start);
            if (o > most) {
                most = o;
                best = r.traceId();
            }
        }
        return best;
    }
}
