package io.kindling.probe.converter.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import io.kindling.probe.testing.TestRawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CPU converter on hand-made events. */
class CpuConverterTest {
    private static final long T = 10;
    private final List<KindlingEvent> out = new ArrayList<>();

    private static TestRawEvent sw(long ts, int cpu, long prev, long next) {
        TestRawEvent e = new TestRawEvent().name("tracepoint-sched_switch", Category.OTHER, Source.TRACEPOINT).timestamp(ts).cpu(cpu)
                .param("next", 15, ValueType.INT64, 8, next);
        return prev == 0 ? e.noThread().thread(0, 0, 0, 0, "", "").noThread() : e.thread(prev, prev, 0, 0, prev == T ? "app" : "t" + prev, "");
    }

    private static TestRawEvent enter(long ts, String syscall) {
        return new TestRawEvent().name("syscall_enter-" + syscall, Category.OTHER, Source.SYSCALL_ENTER).timestamp(ts)
                .thread(T, T, 0, 0, "app", "");
    }

    private static TestRawEvent exit(long ts, String syscall, long res) {
        return new TestRawEvent().name("syscall_exit-" + syscall, Category.OTHER, Source.SYSCALL_EXIT).timestamp(ts)
                .thread(T, T, 0, 0, "app", "").param("res", 11, ValueType.INT64, 8, res);
    }

    private void feed(CpuConverter c, RawEvent... events) {
        for (RawEvent e : events) {
            c.observe(e, out::add);
        }
    }

    private static long[] specs(KindlingEvent e) {
        return CpuEvents.specs(e);
    }

    private static long[] longs(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long[] a = new long[b.length / 8];
        for (int i = 0; i < a.length; i++) {
            a[i] = bb.getLong();
        }
        return a;
    }

    @Test
    void offIntervalsAreTypedByTheCallTheThreadWasIn() {
        CpuConverter c = CpuSampleTest.converter(1_000_000_000L);
        feed(c,
                sw(100, 0, 0, T),
                enter(110, "futex").param("addr", 8, ValueType.UINT64, 8, 0x7f00L).param("op", 29, ValueType.UINT16, 2, 128),
                sw(120, 0, T, 0),
                sw(200, 1, 0, T),
                exit(201, "futex", 0),
                enter(210, "nanosleep"),
                sw(220, 1, T, 0),
                sw(300, 1, 0, T),
                exit(301, "nanosleep", 0),
                sw(320, 1, T, 0), // inside no call: preempted
                sw(400, 0, 0, T),
                enter(410, "epoll_wait"),
                sw(420, 0, T, 0),
                sw(500, 0, 0, T),
                exit(501, "epoll_wait", 1),
                enter(502, "read").fd(5, FdType.IPV4_SOCK, "127.0.0.1:40000->127.0.0.1:80"),
                exit(503, "read", 17).fd(5, FdType.IPV4_SOCK, "127.0.0.1:40000->127.0.0.1:80"),
                enter(510, "read").fd(6, FdType.FILE, "/var/lib/data"),
                sw(520, 0, T, 0),
                sw(600, 0, 0, T),
                exit(601, "read", 42).fd(6, FdType.FILE, "/var/lib/data"),
                enter(650, "write").fd(1, FdType.FILE, "/dev/pts/0"),
                exit(651, "write", 6).fd(1, FdType.FILE, "/dev/pts/0").param("data", 10, ValueType.BYTEBUF, "hello\n".getBytes(StandardCharsets.UTF_8)),
                sw(700, 0, T, 0));
        assertEquals(List.of(), out, "the window is not over");
        c.end(out::add);
        assertEquals(1, out.size());
        KindlingEvent e = out.get(0);
        assertEquals(T, e.thread().tid());
        assertEquals("app", e.thread().comm());
        assertEquals(100, e.attribute("start_time").longValue());
        assertEquals(700, e.attribute("end_time").longValue());
        assertArrayEquals(new long[] {20, 80, 20, 80, 20, 80, 20, 80, 20, 80, 100}, specs(e));
        assertArrayEquals(new byte[] {0, 3, 0, 4, 0, 5, 0, 6, 0, 1, 0}, CpuEvents.types(e));
        assertEquals(200, e.attribute("on_total_time").longValue());
        assertEquals(400, e.attribute("off_total_time").longValue());
        assertArrayEquals(new long[] {0, 0, 80, 0, 0}, longs((byte[]) e.attribute("runq_latency").value()));
        String off = e.attribute("off_info").stringValue();
        assertEquals("[{\"futex\":{\"addr\":\"0x7f00\",\"op\":128}},{},{},"
                + "{\"wait\":{\"op\":\"epoll_wait\",\"fds\":[],\"res\":1,\"ready\":[{\"fd\":5,\"op\":\"read\",\"name\":\"127.0.0.1:40000->127.0.0.1:80\"}]}},"
                + "{\"file\":{\"op\":\"read\",\"fd\":6,\"path\":\"/var/lib/data\",\"bytes\":42}}]", off);
        String on = e.attribute("on_info").stringValue();
        assertTrue(on.contains("{\"net\":[{\"op\":\"read\",\"fd\":5,\"tuple\":\"127.0.0.1:40000->127.0.0.1:80\",\"bytes\":17}]"), on);
        assertEquals("hello\n", e.attribute("log").stringValue());
    }

    @Test
    void intervalsAreCutAtWindowBoundariesAndWindowsLeaveAtTheNextSwitchOut() {
        CpuConverter c = new CpuConverter(100, 16, 4096, 1024);
        feed(c, sw(150, 0, 0, T), sw(170, 0, T, 0), sw(420, 0, 0, T));
        assertEquals(List.of(), out, "the off interval ended in window 4 but the thread has not left the CPU since");
        feed(c, sw(430, 0, T, 0));
        assertEquals(3, out.size(), "windows 1, 2 and 3, complete");
        assertArrayEquals(new long[] {20, 30}, specs(out.get(0)));
        assertArrayEquals(new long[] {100}, specs(out.get(1)));
        assertArrayEquals(new long[] {100}, specs(out.get(2)));
        c.end(out::add);
        assertEquals(4, out.size(), "window 4 up to the last switch: the timeline ends there");
        assertArrayEquals(new long[] {20, 10}, specs(out.get(3)));
        assertEquals(400, out.get(3).attribute("start_time").longValue());
        assertEquals(430, out.get(3).attribute("end_time").longValue());
    }

    /** Records what the converter tells contributors. */
    static final class Probe implements CpuContributor {
        final List<Long> ended = new ArrayList<>();
        int described;

        @Override
        public void observe(RawEvent raw) {}

        @Override
        public void describe(long tid, List<CpuInterval> intervals, CpuDetails details) {
            described++;
            details.add(0, "probe", Map.of("n", intervals.size()));
        }

        @Override
        public void threadEnded(long tid) {
            ended.add(tid);
        }

        @Override
        public void clear() {}
    }

    @Test
    void threadExitFlushesAndFreesAtItsLastSwitch() {
        CpuConverter c = new CpuConverter(1_000_000_000L, 16, 4096, 1024);
        Probe probe = new Probe();
        c.addContributor(probe, Map.of());
        feed(c, sw(100, 0, 0, T), sw(200, 0, T, 0), sw(300, 0, 0, T),
                new TestRawEvent().name("tracepoint-procexit", Category.PROCESS, Source.TRACEPOINT).timestamp(350).thread(T, T, 0, 0, "app", ""),
                sw(360, 0, T, 0));
        assertEquals(1, out.size());
        assertArrayEquals(new long[] {100, 100, 60}, specs(out.get(0)));
        assertEquals(List.of(T), probe.ended);
        assertEquals(1, probe.described);
        assertTrue(out.get(0).attribute("on_info").stringValue().startsWith("[{\"probe\":{\"n\":3}}"));
        assertEquals(0L, c.statistics().get("threads"));
    }

    @Test
    void threadsBeyondTheLimitAreEmittedAndLetGo() {
        CpuConverter c = new CpuConverter(1_000_000_000L, 2, 4096, 1024);
        Probe probe = new Probe();
        c.addContributor(probe, Map.of());
        feed(c, sw(100, 0, 0, 1), sw(110, 0, 1, 2), sw(120, 0, 2, 3), sw(130, 0, 3, 1));
        assertEquals(2L, c.statistics().get("evicted"));
        assertEquals(List.of(1L, 2L), probe.ended, "the least recently seen threads");
        assertEquals(2, out.size(), "what they held");
        assertArrayEquals(new long[] {10}, specs(out.get(0)));
        assertEquals(1L, out.get(0).thread().tid());
        assertArrayEquals(new long[] {10}, specs(out.get(1)));
    }

    @Test
    void switchesThatDoNotFitBreakTheTimeline() {
        CpuConverter c = new CpuConverter(1_000_000_000L, 16, 4096, 1024);
        // T is switched in on CPU 0, then CPU 0 switches from another thread: T's switch out was missed
        feed(c, sw(100, 0, 0, T), sw(150, 0, T, 0), sw(200, 0, 0, T), sw(300, 0, 77, 0), sw(400, 1, 0, T), sw(450, 1, T, 0));
        c.end(out::add);
        assertTrue(c.statistics().get("breaks") >= 1);
        List<KindlingEvent> mine = out.stream().filter(e -> e.thread().tid() == T).toList();
        assertEquals(2, mine.size(), "what T held before the break, and after");
        assertArrayEquals(new long[] {50, 50}, specs(mine.get(0)));
        assertArrayEquals(new long[] {50}, specs(mine.get(1)));
    }

    @Test
    void anEventOfAThreadOffCpuShowsTheSwitchBackThatWasNotSeen() {
        // CPU unknown: the switch from one of the probe's own threads back to T is left out with the
        // probe's own events; T's futex exit shows it running again
        CpuConverter c = new CpuConverter(1_000_000_000L, 16, 4096, 1024);
        feed(c, sw(100, -1, 0, T),
                enter(110, "futex").cpu(-1).param("addr", 8, ValueType.UINT64, 8, 0x7f00L).param("op", 29, ValueType.UINT16, 2, 128),
                sw(120, -1, T, 0), exit(500, "futex", 0).cpu(-1), enter(510, "write").cpu(-1), exit(520, "write", 1).cpu(-1),
                sw(600, -1, T, 0));
        c.end(out::add);
        assertEquals(1, out.size());
        assertArrayEquals(new long[] {20, 380, 100}, specs(out.get(0)), "on, the futex wait up to its exit, on");
        assertArrayEquals(new byte[] {0, 3, 0}, CpuEvents.types(out.get(0)));
        assertEquals(1L, c.statistics().get("switch_ins_inferred"));
        assertEquals(0L, c.statistics().get("breaks"));
    }

    @Test
    void aThreadOffForAMillionWindowsGivesABoundedNumberOfEvents() {
        long second = 1_000_000_000L;
        CpuConverter c = new CpuConverter(second, 16, 4096, 1024);
        long[] emitted = new long[1];
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        // on from 0.5 s, off at 1 s, back on a million seconds later (an old capture's thread seen live, a clock jump)
        for (RawEvent e : new RawEvent[] {sw(second / 2, 0, 0, T), sw(second, 0, T, 0), sw(1_000_000 * second, 0, 0, T),
                sw(1_000_000 * second + second / 2, 0, T, 0)}) {
            c.observe(e, ev -> emitted[0]++);
        }
        c.end(ev -> emitted[0]++);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(emitted[0] <= 70, "cpu_events: " + emitted[0]);
        assertTrue(allocated < 16L << 20, "bytes allocated: " + allocated);
        assertTrue(c.statistics().get("windows_skipped") > 999_000, "the whole windows left out are counted: " + c.statistics());
    }
}
