package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.Services;
import io.kindling.probe.itests.support.LiveEnvironment.Entry;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;

/**
 * Live capture inside the OSGi framework, Felix and again Equinox (Pax Exam, native container: the
 * framework runs in this JVM, which is root here; the pom runs this class once with each): the
 * engine's {@code ProbeControl.openLive()} with the probe's eBPF programs, a Sink registered by this test, and the loopback workload of {@code src/test/c/kindling_workload.c}.
 * <ul>
 * <li>the workload's connections, files and futex wait arrive with their threads, fds, ports, paths
 * and byte counts, and the TCP and CPU converters' events with them; the cpu converter's
 * {@code cpu_event}s of the workload's threads have on and off times that add up to their window, and
 * the futex wait shows as off-CPU time of type futex as long as the wait the workload measured;</li>
 * <li>a subscription changed during the run: the new one's events arrive, the removed one's stop;</li>
 * <li>50 live starts and stops leave no BPF program, map or link, no udig shared memory and no
 * thread behind.</li>
 * </ul>
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LiveInFelixIT {

    @Configuration
    public Option[] configuration() {
        return ExamBundles.options(List.of(), List.of("bundle.probe.converter.file", "bundle.probe.converter.socket",
                "bundle.probe.converter.tcp", "bundle.probe.converter.cpu"));
    }

    /** A sink that keeps what it receives, in order. */
    static final class CollectingSink implements Sink {
        final List<KindlingEvent> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void deliver(KindlingEvent event) {
            events.add(event);
        }

        List<KindlingEvent> snapshot() {
            synchronized (events) {
                return new ArrayList<>(events);
            }
        }
    }

    private BundleContext context() {
        return FrameworkUtil.getBundle(LiveInFelixIT.class).getBundleContext();
    }

    private ProbeControl control() throws InterruptedException {
        return Services.await(context(), ProbeControl.class);
    }

    private ServiceRegistration<Sink> register(Sink sink, String name, List<String> subscriptions) {
        return context().registerService(Sink.class, sink, properties(name, subscriptions));
    }

    private static Hashtable<String, Object> properties(String name, List<String> subscriptions) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(Sink.SUBSCRIPTIONS, subscriptions.toArray(new String[0]));
        p.put(Sink.NAME, name);
        // a live run never waits for a sink: a queue that holds a whole workload's events
        p.put("kindling.sink.queue.size", 262144);
        return p;
    }

    private static void stop(Run run) throws InterruptedException {
        run.stop();
        assertTrue("the live run ends once stopped", run.await(60, TimeUnit.SECONDS));
        assertNull("the live run ends without failure", run.failure());
    }

    /** Waits until the sink holds an event that matches, running the workload again meanwhile if asked. */
    private static boolean awaitEvent(CollectingSink sink, Predicate<KindlingEvent> match) throws InterruptedException {
        return awaitEvent(sink, match, 300);
    }

    /** The same, polling at most {@code polls} times, 100 ms apart. */
    private static boolean awaitEvent(CollectingSink sink, Predicate<KindlingEvent> match, int polls) throws InterruptedException {
        for (int i = 0; i < polls; i++) {
            if (sink.snapshot().stream().anyMatch(match)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    public void theWorkloadAndItsCpuEventsArriveInFelix() throws Exception {
        LiveEnvironment.requireLive();
        ProbeControl control = control();
        CollectingSink sink = new CollectingSink();
        ServiceRegistration<Sink> registration = register(sink, "itest-live", List.of("syscall_exit-write", "syscall_exit-read",
                "syscall_exit-connect", "conn_connect", "conn_accept", "conn_close", "cpu_event"));
        List<Entry> log;
        Run run = control.openLive();
        try {
            // the machine is never quiet: this JVM's own events are dropped, the build's are not
            assertTrue("live events arrive", awaitEvent(sink, e -> true));
            log = LiveEnvironment.runMixed(TestEnvironment.workDir("live/felix-workload"));
            long pid = log.get(0).number("pid");
            Entry futex = log.stream().filter(e -> e.kind().equals("futex")).findFirst()
                    .orElseThrow(() -> new AssertionError("the workload logged no futex wait"));
            long futexTid = futex.number("tid");
            long waited = futex.number("waited_ns");
            // cpu_event windows of the workload's threads are emitted at their thread's exit; the futex
            // wait is the workload's last step, so its window comes last
            assertTrue("the workload's conn_close and cpu_event arrive", awaitEvent(sink,
                    e -> e.name().equals("cpu_event") && e.thread().pid() == pid)
                    && awaitEvent(sink, e -> e.name().equals("conn_close") && e.thread().pid() == pid));
            // the window that holds the wait may come after others of the thread that hold shorter futex waits
            awaitEvent(sink, e -> e.name().equals("cpu_event") && e.thread().tid() == futexTid && longestFutexOff(e) >= waited / 2);
        } finally {
            stop(run);
        }
        SinkStatistics stats = run.statistics().sinks().stream().filter(s -> s.name().equals("itest-live")).findFirst()
                .orElseThrow(() -> new AssertionError("no statistics of the sink itest-live: " + run.statistics().sinks()));
        registration.unregister();
        assertEquals("nothing dropped by the sink's queue", 0, stats.dropped());
        assertEquals("no kernel or ring drop: " + run.statistics().capture(), 0,
                run.statistics().capture().sourceDrops() + run.statistics().capture().drops());

        long pid = log.get(0).number("pid");
        List<KindlingEvent> mine = sink.snapshot().stream().filter(e -> e.thread() != null && e.thread().pid() == pid).toList();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Entry e : log) {
            switch (e.kind()) {
                case "tcp" -> {
                    long sport = e.number("sport");
                    Predicate<KindlingEvent> client = ev -> ev.thread().tid() == e.number("client_tid") && fd(ev) == e.number("client_fd")
                            && port(ev.fd().sport()) == sport && port(ev.fd().dport()) == e.number("dport");
                    Predicate<KindlingEvent> server = ev -> ev.thread().tid() == e.number("server_tid") && fd(ev) == e.number("server_fd")
                            && port(ev.fd().sport()) == sport && port(ev.fd().dport()) == e.number("dport");
                    checked += expect(problems, "conn_connect of client port " + sport, mine, ev -> ev.name().equals("conn_connect")
                            && client.test(ev));
                    checked += expect(problems, "conn_accept of client port " + sport, mine, ev -> ev.name().equals("conn_accept")
                            && server.test(ev));
                    checked += expect(problems, "conn_close of the client, port " + sport, mine, ev -> ev.name().equals("conn_close")
                            && client.test(ev) && attr(ev, "bytes_sent") == e.number("client_sent")
                            && attr(ev, "bytes_received") == e.number("client_received"));
                    checked += expect(problems, "conn_close of the server, port " + sport, mine, ev -> ev.name().equals("conn_close")
                            && server.test(ev) && attr(ev, "bytes_sent") == e.number("server_sent")
                            && attr(ev, "bytes_received") == e.number("server_received"));
                }
                case "file" -> {
                    String path = e.get("path");
                    checked += expect(problems, e.get("op") + " of " + path, mine, ev -> exit(ev, e.get("op"))
                            && ev.thread().tid() == e.number("tid") && fd(ev) == e.number("fd") && ev.fd() != null
                            && path.equals(ev.fd().directory() + "/" + ev.fd().filename()) && attr(ev, "res") == e.number("bytes")
                            && ev.latency() > 0 && ev.latency() <= e.number("ns"));
                }
                case "futex" -> checked += checkFutexCpu(e, mine, problems);
                default -> { }
            }
        }
        checked += checkCpuWindows(mine, problems);
        System.out.println("LIVE in Felix: " + log.size() + " log lines, " + checked + " events checked, " + mine.size()
                + " events of the workload's process, " + run.statistics().read() + " events read");
        assertEquals("what the probe saw of the workload in Felix", List.of(), problems);
    }

    /**
     * The inspector's ConfigAdmin settings reach a live capture: with {@code live.snaplen} 24 the data of
     * each write of the workload's files is its first 24 bytes, and with {@code live.ring.bytes} 2 MiB the
     * eBPF source's ring buffer (a BPF map of this process, seen in /proc/self/fdinfo) has that size.
     */
    @Test
    public void theInspectorsLiveSettingsComeFromConfigAdmin() throws Exception {
        LiveEnvironment.requireLive();
        org.osgi.service.cm.ConfigurationAdmin admin = Services.await(context(), org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.Configuration config = admin.getConfiguration("io.kindling.probe.inspector", "?");
        long before = Services.id(context(), ProbeControl.class);
        Hashtable<String, Object> settings = new Hashtable<>();
        settings.put("live.snaplen", 24);
        settings.put("live.ring.bytes", 1 << 21);
        config.update(settings);
        try {
            // the inspector takes a new configuration in place (ConfigAdmin delivers it on its own thread)
            awaitInspectorProperty("live.snaplen", 24);
            ProbeControl control = Services.await(context(), ProbeControl.class);
            assertEquals("the same ProbeControl: a live setting changes nothing that runs", before,
                    Services.id(context(), ProbeControl.class));
            CollectingSink sink = new CollectingSink();
            ServiceRegistration<Sink> registration = register(sink, "itest-settings", List.of("syscall_exit-write"));
            List<Entry> log;
            Map<Long, Long> rings;
            Run run = control.openLive();
            try {
                assertTrue("live events arrive", awaitEvent(sink, e -> true));
                rings = LiveEnvironment.ringBuffers();
                log = LiveEnvironment.runMixed(TestEnvironment.workDir("live/felix-settings"));
                Entry last = log.stream().filter(e -> e.kind().equals("file") && e.get("op").equals("write"))
                        .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("the workload logged no file write"));
                assertTrue("the workload's last file write arrives", awaitEvent(sink, ev -> ev.thread() != null
                        && ev.thread().tid() == last.number("tid") && attr(ev, "res") == last.number("bytes")));
            } finally {
                stop(run);
                registration.unregister();
            }
            // the kernel TCP events have a ring of their own, of 1 MiB; the syscalls' ring is 8 MiB by default
            assertTrue("the syscalls' BPF ring buffer of 2 MiB, none of the default 8 MiB, while the live run ran"
                    + " (ring buffers of this process, size: count): " + rings,
                    rings.getOrDefault(1L << 21, 0L) == 1 && !rings.containsKey(8L << 20));
            List<String> problems = new ArrayList<>();
            for (Entry e : log) {
                if (!e.kind().equals("file") || !e.get("op").equals("write")) {
                    continue;
                }
                // kindling-file-N.txt is filled with the letter N places after 'a'
                String path = e.get("path");
                char fill = (char) ('a' + path.charAt(path.length() - 5) - '0');
                List<KindlingEvent> writes = sink.snapshot().stream().filter(ev -> ev.thread() != null
                        && ev.thread().tid() == e.number("tid") && fd(ev) == e.number("fd") && attr(ev, "res") == e.number("bytes")).toList();
                if (writes.size() != 1) {
                    problems.add("write of " + e.get("path") + ": " + writes.size() + " events");
                    continue;
                }
                Attribute data = writes.get(0).attribute("data");
                String text = data == null ? "none" : new String((byte[]) data.value(), java.nio.charset.StandardCharsets.US_ASCII);
                if (!text.equals(String.valueOf(fill).repeat(24))) {
                    problems.add("write of " + e.number("bytes") + " bytes to " + e.get("path") + ": data '" + text + "'");
                }
            }
            System.out.println("LIVE settings: ring buffers " + rings + ", file writes checked with 24-byte data: "
                    + log.stream().filter(e -> e.kind().equals("file") && e.get("op").equals("write")).count());
            assertEquals("the data of the workload's file writes, cut at live.snaplen 24", List.of(), problems);
        } finally {
            config.delete();
            awaitInspectorProperty("live.snaplen", null);
        }
    }

    /** Waits until the inspector's service has the property {@code key} at {@code value} (null: without it). */
    private void awaitInspectorProperty(String key, Object value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            org.osgi.framework.ServiceReference<?> ref = context().getServiceReference(io.kindling.probe.api.source.Inspector.class);
            if (ref != null && java.util.Objects.equals(value, ref.getProperty(key))) {
                return;
            }
            assertTrue("the inspector's " + key + " becomes " + value + " within 30 s", System.nanoTime() < deadline);
            Thread.sleep(10);
        }
    }

    /**
     * A wrong live setting through ConfigAdmin (a snaplen of -1, a ring size that is not a power of two,
     * 0 or 2^40) is refused and changes nothing: the live run that goes on meanwhile keeps delivering and
     * the inspector's settings in use stay (the next live start still reads with the default ring).
     */
    @Test
    public void wrongLiveSettingsAreRefusedAndTheRunGoesOn() throws Exception {
        LiveEnvironment.requireLive();
        org.osgi.service.cm.ConfigurationAdmin admin = Services.await(context(), org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.Configuration config = admin.getConfiguration("io.kindling.probe.inspector", "?");
        ProbeControl control = Services.await(context(), ProbeControl.class);
        long before = Services.id(context(), ProbeControl.class);
        CollectingSink sink = new CollectingSink();
        ServiceRegistration<Sink> registration = register(sink, "itest-wrong-settings", List.of("syscall_exit-write"));
        Run run = control.openLive();
        try {
            assertTrue("live events arrive", awaitEvent(sink, e -> true));
            for (Object[] wrong : new Object[][] {{"live.snaplen", -1}, {"live.snaplen", 1_000_000_000},
                    {"live.ring.bytes", 3 << 16}, {"live.ring.bytes", 0}, {"live.ring.bytes", 1L << 40}}) {
                Hashtable<String, Object> settings = new Hashtable<>();
                settings.put((String) wrong[0], wrong[1]);
                config.update(settings);
                awaitInspectorProperty((String) wrong[0], wrong[1]);
                int seen = sink.snapshot().size();
                LiveEnvironment.runMixed(TestEnvironment.workDir("live/felix-wrong-settings"));
                assertTrue("the run goes on after " + wrong[0] + "=" + wrong[1], awaitEvent(sink, e -> sink.snapshot().size() > seen));
                assertTrue("the run is not ended", !run.isDone());
                assertEquals("the same ProbeControl", before, Services.id(context(), ProbeControl.class));
            }
        } finally {
            stop(run);
            registration.unregister();
            config.delete();
            awaitInspectorProperty("live.snaplen", null);
        }
        // the next live start reads with the settings in use, the defaults: a syscalls' ring of 8 MiB
        CollectingSink next = new CollectingSink();
        ServiceRegistration<Sink> again = register(next, "itest-after-wrong-settings", List.of("syscall_exit-write"));
        Run second = control.openLive();
        try {
            assertTrue("live events arrive", awaitEvent(next, e -> true));
            assertTrue("the default ring of 8 MiB: " + LiveEnvironment.ringBuffers(),
                    LiveEnvironment.ringBuffers().getOrDefault(8L << 20, 0L) == 1);
        } finally {
            stop(second);
            again.unregister();
        }
    }

    /** The futex wait is off-CPU time of type futex (3) of the waiting thread, as long as the wait measured. */
    private static int checkFutexCpu(Entry e, List<KindlingEvent> mine, List<String> problems) {
        long tid = e.number("tid");
        long waited = e.number("waited_ns");
        long futexOff = 0;
        int n = 0;
        StringBuilder seen = new StringBuilder();
        for (KindlingEvent ev : mine) {
            if (!ev.name().equals("cpu_event") || ev.thread().tid() != tid) {
                continue;
            }
            n++;
            long[] specs = longs(ev.attribute("time_specs"));
            byte[] types = (byte[]) ev.attribute("time_type").value();
            for (int i = 0; i < types.length; i++) {
                seen.append(' ').append(types[i]).append(':').append(specs[i]);
                if (types[i] == 3) {
                    futexOff = Math.max(futexOff, specs[i]);
                }
            }
        }
        if (n == 0) {
            problems.add("no cpu_event of the futex-waiting thread " + tid);
        } else if (futexOff < waited / 2 || futexOff > waited) {
            problems.add("the futex wait of thread " + tid + ": the workload measured " + waited
                    + " ns, the longest futex off-CPU interval of its cpu_events is " + futexOff + " ns (type:ns of each"
                    + " interval:" + seen + ")");
        }
        return n;
    }

    /** The longest off-CPU interval of type futex (3) in a cpu_event. */
    private static long longestFutexOff(KindlingEvent ev) {
        long[] specs = longs(ev.attribute("time_specs"));
        byte[] types = (byte[]) ev.attribute("time_type").value();
        long longest = 0;
        for (int i = 0; i < types.length && i < specs.length; i++) {
            if (types[i] == 3) {
                longest = Math.max(longest, specs[i]);
            }
        }
        return longest;
    }

    /** Each cpu_event of the workload: on + off time is its window, intervals add up, times are positive. */
    private static int checkCpuWindows(List<KindlingEvent> mine, List<String> problems) {
        int n = 0;
        Map<Long, Long> onPerThread = new TreeMap<>();
        for (KindlingEvent ev : mine) {
            if (!ev.name().equals("cpu_event")) {
                continue;
            }
            n++;
            long on = attr(ev, "on_total_time");
            long off = attr(ev, "off_total_time");
            long start = attr(ev, "start_time");
            long end = attr(ev, "end_time");
            long[] specs = longs(ev.attribute("time_specs"));
            long sum = 0;
            for (long s : specs) {
                sum += s;
            }
            if (start <= 0 || end < start || on < 0 || off < 0 || on + off != end - start || sum != on + off) {
                problems.add("cpu_event of thread " + ev.thread().tid() + ": start " + start + ", end " + end + ", on " + on
                        + ", off " + off + ", intervals " + sum);
            }
            onPerThread.merge(ev.thread().tid(), on, Long::sum);
        }
        if (onPerThread.values().stream().noneMatch(on -> on > 0)) {
            problems.add("no workload thread was ever on CPU: " + onPerThread);
        }
        return n;
    }

    @Test
    public void aSubscriptionChangedDuringALiveRunTakesEffect() throws Exception {
        LiveEnvironment.requireLive();
        ProbeControl control = control();
        CollectingSink sink = new CollectingSink();
        ServiceRegistration<Sink> registration = register(sink, "itest-change", List.of("syscall_exit-write"));
        Path dir = TestEnvironment.workDir("live/felix-change");
        Run run = control.openLive();
        long before;
        long after;
        List<Long> transition = new ArrayList<>();
        try {
            assertTrue("live events arrive", awaitEvent(sink, e -> true));
            before = LiveEnvironment.runMixed(dir.resolve("before")).get(0).number("pid");
            long b = before;
            assertTrue("the first workload's writes arrive", awaitEvent(sink, e -> exit(e, "write")
                    && e.thread().pid() == b));
            registration.setProperties(properties("itest-change", List.of("syscall_exit-read")));
            // the change takes effect at a batch boundary: workloads run until their reads arrive
            long seen = -1;
            for (int i = 0; i < 20 && seen < 0; i++) {
                long p = LiveEnvironment.runMixed(dir.resolve("transition-" + i)).get(0).number("pid");
                transition.add(p);
                if (awaitEvent(sink, e -> exit(e, "read") && e.thread().pid() == p)) {
                    seen = p;
                }
            }
            assertTrue("the new subscription's reads arrive after the change", seen >= 0);
            after = LiveEnvironment.runMixed(dir.resolve("after")).get(0).number("pid");
            long a = after;
            assertTrue("the last workload's reads arrive", awaitEvent(sink, e -> exit(e, "read")
                    && e.thread().pid() == a));
        } finally {
            stop(run);
            registration.unregister();
        }
        List<KindlingEvent> events = sink.snapshot();
        Map<String, Long> beforeNames = names(events, before);
        Map<String, Long> afterNames = names(events, after);
        System.out.println("LIVE subscription change: before " + beforeNames + ", after " + afterNames + ", "
                + transition.size() + " workload runs until the change was seen");
        assertEquals("before the change: only the writes of the first workload", List.of("write syscall_exit"),
                List.copyOf(beforeNames.keySet()));
        assertEquals("after the change: only the reads of the last workload", List.of("read syscall_exit"),
                List.copyOf(afterNames.keySet()));
    }

    /** The events of a process by delivered name and source ({@code write syscall_exit}). */
    private static Map<String, Long> names(List<KindlingEvent> events, long pid) {
        return events.stream().filter(e -> e.thread() != null && e.thread().pid() == pid)
                .collect(Collectors.groupingBy(e -> e.name() + " " + e.source().label(), TreeMap::new, Collectors.counting()));
    }

    /** The exit of a system call: delivered under libsinsp's name of the call, with source syscall_exit. */
    private static boolean exit(KindlingEvent e, String syscall) {
        return e.name().equals(syscall) && e.source() == io.kindling.probe.api.Source.SYSCALL_EXIT;
    }

    @Test
    public void fiftyLiveStartsAndStopsLeaveNothingBehind() throws Exception {
        int cycles = 50;
        LiveEnvironment.requireLive();
        ProbeControl control = control();
        CollectingSink sink = new CollectingSink();
        ServiceRegistration<Sink> registration = register(sink, "itest-cycles", List.of("syscall_exit-write"));
        try {
            // one cycle first: what a first run starts for good (JNA's cleaner, the library) is not a leak
            cycle(control, sink);
            Map<String, Integer> before = LiveEnvironment.kernelObjects();
            Map<String, Integer> threadsBefore = threads();
            for (int i = 0; i < cycles; i++) {
                cycle(control, sink);
            }
            Map<String, Integer> after = LiveEnvironment.kernelObjects();
            // the last run's threads end a moment after the run reports it has ended
            Map<String, Integer> threadsAfter = threads();
            for (int i = 0; i < 50 && !grown(threadsBefore, threadsAfter).isEmpty(); i++) {
                Thread.sleep(100);
                threadsAfter = threads();
            }
            System.out.println("LIVE " + cycles + " cycles: before " + before + " " + total(threadsBefore) + " threads, after " + after + " "
                    + total(threadsAfter) + " threads");
            assertEquals("BPF programs, maps, links and udig shared memory after " + cycles + " live starts and stops", before, after);
            // pools of the framework may have let idle threads go meanwhile; no name may have more threads than before
            assertEquals("threads of this JVM (by name, compiler threads aside) added by " + cycles + " live starts and stops: before "
                    + threadsBefore + ", after " + threadsAfter, Map.of(), grown(threadsBefore, threadsAfter));
        } finally {
            registration.unregister();
        }
    }

    private static void cycle(ProbeControl control, CollectingSink sink) throws Exception {
        int had = sink.events.size();
        Run run = control.openLive();
        try {
            // a write of a process of its own each time (this JVM's are the probe's own, dropped): the cycle
            // does not depend on what else runs on the machine
            boolean arrived = false;
            for (int i = 0; i < 300 && !arrived; i++) {
                new ProcessBuilder("/bin/sh", "-c", "echo cycle").redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                arrived = awaitEvent(sink, e -> sink.events.size() > had, 10);
            }
            assertTrue("a live event arrives", arrived);
            Map<String, Integer> running = LiveEnvironment.kernelObjects();
            assertTrue("while a live capture runs, this process holds its BPF programs and maps and udig's ring: " + running,
                    running.get("bpf-prog fds of this process") > 0 && running.get("bpf-map fds of this process") > 0
                            && running.get("udig mappings of this process") > 0);
        } finally {
            stop(run);
        }
    }

    /** This process's threads (from /proc, native ones included) counted by name, the JIT's compiler threads aside. */
    /** The thread names that have more threads after than before, with how many more. */
    private static Map<String, Integer> grown(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> grown = new TreeMap<>();
        after.forEach((name, n) -> {
            if (n > before.getOrDefault(name, 0)) {
                grown.put(name, n - before.getOrDefault(name, 0));
            }
        });
        return grown;
    }

    private static Map<String, Integer> threads() throws IOException {
        Map<String, Integer> byName = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String name;
                try {
                    name = Files.readString(task.resolve("comm")).strip();
                } catch (IOException gone) {
                    continue;
                }
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    continue;
                }
                byName.merge(name, 1, Integer::sum);
            }
        }
        return byName;
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    // ---- helpers

    private static int expect(List<String> problems, String what, List<KindlingEvent> events, Predicate<KindlingEvent> match) {
        long n = events.stream().filter(ev -> {
            try {
                return match.test(ev);
            } catch (RuntimeException ex) {
                return false;
            }
        }).count();
        if (n < 1) {
            problems.add(what + ": no event");
        }
        return (int) n;
    }

    private static long fd(KindlingEvent ev) {
        return ev.fd() == null ? -1 : ev.fd().num();
    }

    private static long port(Integer p) {
        return p == null ? -1 : p;
    }

    private static long attr(KindlingEvent ev, String key) {
        Attribute a = ev.attribute(key);
        return a == null ? -1 : a.longValue();
    }

    private static long[] longs(Attribute a) {
        ByteBuffer b = ByteBuffer.wrap((byte[]) a.value()).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }
}
