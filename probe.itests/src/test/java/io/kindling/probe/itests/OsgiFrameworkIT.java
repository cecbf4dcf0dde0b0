package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.Services;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.RunSummary;
import io.kindling.probe.itests.support.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.namespace.HostNamespace;

/**
 * The project's built bundles in Felix 7.0.5 (Pax Exam 4.14, native container): every bundle
 * resolves and starts, the platform fragment attaches to the inspector, the engine's ProbeControl
 * service is there, and a Sink registered by this test receives exactly what the real command's
 * jsonl sink receives for the same capture and subscriptions, with the fd context filled by the
 * file and socket converter bundles and the events the TCP and CPU converters make.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OsgiFrameworkIT {

    /** The project's bundles (symbolic names) and the system property that holds each built jar's path. */
    private static final Map<String, String> PROJECT_BUNDLES = Map.ofEntries(
            Map.entry("io.kindling.probe.api", "bundle.probe.api"),
            Map.entry("io.kindling.probe.inspector", "bundle.probe.inspector"),
            Map.entry("io.kindling.probe.inspector.linux.x86_64", "bundle.probe.inspector.linux.x86_64"),
            Map.entry("io.kindling.probe.core", "bundle.probe.core"),
            Map.entry("io.kindling.probe.converter.file", "bundle.probe.converter.file"),
            Map.entry("io.kindling.probe.converter.socket", "bundle.probe.converter.socket"),
            Map.entry("io.kindling.probe.converter.tcp", "bundle.probe.converter.tcp"),
            Map.entry("io.kindling.probe.converter.cpu", "bundle.probe.converter.cpu"),
            Map.entry("io.kindling.probe.converter.apm", "bundle.probe.converter.apm"),
            Map.entry("io.kindling.probe.sink.console", "bundle.probe.sink.console"),
            Map.entry("io.kindling.probe.sink.jsonl", "bundle.probe.sink.jsonl"));

    private static final String FRAGMENT = "io.kindling.probe.inspector.linux.x86_64";
    private static final String HOST = "io.kindling.probe.inspector";

    @Configuration
    public Option[] configuration() {
        // The command's jar has the TCP and CPU converters too: with them the sink here gets exactly
        // what the command's sink gets, converter-made events included.
        return ExamBundles.options(List.of("bundle.jackson-core"), List.of("bundle.probe.converter.file",
                "bundle.probe.converter.socket", "bundle.probe.converter.tcp", "bundle.probe.converter.cpu",
                "bundle.probe.converter.apm", "bundle.probe.sink.console", "bundle.probe.sink.jsonl",
                "bundle.probe.generator"));
    }

    private BundleContext context() {
        return FrameworkUtil.getBundle(OsgiFrameworkIT.class).getBundleContext();
    }

    private ProbeControl control() throws InterruptedException {
        return Services.await(context(), ProbeControl.class);
    }

    @Test
    public void everyBundleResolvesAndStartsAndTheFragmentAttaches() throws Exception {
        control(); // wait for the engine, so that the lazy DS components had their chance
        Map<String, Bundle> bySymbolicName = new java.util.HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Bundle b : context().getBundles()) {
            bySymbolicName.put(b.getSymbolicName(), b);
            boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (b.getState() != expected) {
                problems.add(b.getSymbolicName() + " " + b.getVersion() + " is in state " + state(b.getState())
                        + " instead of " + state(expected));
            }
        }
        assertEquals("every bundle active, every fragment resolved", List.of(), problems);
        for (String name : PROJECT_BUNDLES.keySet()) {
            assertNotNull("bundle " + name + " is installed", bySymbolicName.get(name));
        }
        for (String name : List.of("org.apache.felix.scr", "org.apache.felix.configadmin", "org.apache.felix.metatype",
                "org.apache.felix.gogo.runtime", "com.sun.jna", "com.fasterxml.jackson.core.jackson-core",
                "org.osgi.service.component", "org.osgi.util.promise", "org.osgi.util.function")) {
            assertNotNull("bundle " + name + " is installed", bySymbolicName.get(name));
        }

        Bundle fragment = bySymbolicName.get(FRAGMENT);
        assertEquals("the fragment " + FRAGMENT + " is resolved", Bundle.RESOLVED, fragment.getState());
        List<BundleWire> hosts = fragment.adapt(BundleWiring.class).getRequiredWires(HostNamespace.HOST_NAMESPACE);
        assertEquals("the fragment has one host", 1, hosts.size());
        assertEquals("the fragment's host", HOST, hosts.get(0).getProvider().getSymbolicName());
        BundleWiring hostWiring = bySymbolicName.get(HOST).adapt(BundleWiring.class);
        assertNotNull("the host's class loader sees the fragment's native library",
                hostWiring.getClassLoader().getResource("linux-x86-64/libkindlingprobe.so"));
    }

    @Test
    public void probeControlIsRegisteredWithTheEventCatalog() throws Exception {
        ProbeControl control = control();
        EventCatalog catalog = control.catalog();
        Set<String> names = catalog.entries().stream().map(EventCatalog.Entry::name).collect(Collectors.toSet());
        for (String name : List.of("syscall_exit-read", "syscall_exit-open", "syscall_exit-connect", "tracepoint-sched_switch")) {
            assertTrue("the catalog has " + name, names.contains(name));
        }
        try {
            catalog.check(io.kindling.probe.api.control.Subscription.parse("syscall_exit-reed"));
            fail("an unknown name is refused");
        } catch (IllegalArgumentException expected) {
            assertTrue("the refusal names the nearest: " + expected.getMessage(),
                    expected.getMessage().contains("syscall_exit-read"));
        }
    }

    /** Every event of libs_sample.scap (sched switches, files, sockets) reaches a sink subscribed to all. */
    @Test
    public void sinkSubscribedToAllGetsWhatTheJsonlCommandGets() throws Exception {
        Path capture = TestEnvironment.capture("libs_sample.scap");
        List<KindlingEvent> received = replayToTestSink(capture, "itest-all", List.of("all"));
        List<Map<String, Object>> expected = command(capture, "all-libs_sample", List.of("all"));
        assertSameEvents(expected, received);
        assertTrue("libs_sample has scheduler events",
                received.stream().anyMatch(e -> e.name().equals("switch") && e.source() == io.kindling.probe.api.Source.TRACEPOINT));
        assertTrue("'all' is the events read from the capture; converter-made events are subscribed by name",
                received.stream().noneMatch(e -> e.name().equals("cpu_event") || e.name().startsWith("conn_")));
        assertTrue("the socket converter filled the unix endpoints of ifplugd's fd 8",
                received.stream().anyMatch(e -> e.fd() != null && e.fd().type() == FdType.UNIX_SOCK && e.fd().num() == 8
                        && Long.valueOf(0xffff99379b819540L).equals(e.fd().unixSource())));
    }

    /** A list of names (one with a category) on falco_cat_write.scap; the file converter's paths. */
    @Test
    public void sinkSubscribedToNamesGetsOnlyThoseWithFilePaths() throws Exception {
        Path capture = TestEnvironment.capture("falco_cat_write.scap");
        List<String> subscriptions = List.of("syscall_exit-open", "syscall_enter-read:file", "syscall_enter-close", "tracepoint-procexit");
        List<KindlingEvent> received = replayToTestSink(capture, "itest-names", subscriptions);
        List<Map<String, Object>> expected = command(capture, "names-cat_write", subscriptions);
        assertSameEvents(expected, received);
        // delivered with libsinsp's names, the source telling entry from exit
        Set<String> allowed = Set.of("open syscall_exit", "read syscall_enter", "close syscall_enter", "procexit tracepoint");
        for (KindlingEvent e : received) {
            assertTrue("only subscribed events: " + e, allowed.contains(e.name() + " " + e.source().label()));
            if (e.name().equals("read")) {
                assertEquals("reads only in the file category: " + e, "file", e.category().label());
            }
        }
        KindlingEvent firstOpen = received.stream().filter(e -> e.name().equals("open")).findFirst().orElse(null);
        assertNotNull("an open exit", firstOpen);
        assertEquals(1470327477881785348L, firstOpen.timestamp());
        ThreadContext t = firstOpen.thread();
        assertEquals(20072L, t.pid());
        assertEquals("cat", t.comm());
        FdContext fd = firstOpen.fd();
        assertNotNull("the open exit has an fd", fd);
        assertEquals(3L, fd.num());
        assertTrue(fd.type().isFile());
        assertEquals("ld.so.cache", fd.filename());
        assertEquals("/etc", fd.directory());
        assertTrue("/dev/null is opened and read", received.stream().anyMatch(e -> e.name().equals("read")
                && e.fd() != null && "null".equals(e.fd().filename()) && "/dev".equals(e.fd().directory())));
        assertEquals("one process exit", 1, received.stream().filter(e -> e.name().equals("procexit")).count());
    }

    /** The socket converter's tuple on falco_connect_localhost.scap. */
    @Test
    public void socketConverterFillsTheConnectTuple() throws Exception {
        Path capture = TestEnvironment.capture("falco_connect_localhost.scap");
        List<String> subscriptions = List.of("syscall_exit-connect", "syscall_exit-socket:net");
        List<KindlingEvent> received = replayToTestSink(capture, "itest-socket", subscriptions);
        assertSameEvents(command(capture, "socket-connect_localhost", subscriptions), received);
        List<KindlingEvent> connects = received.stream().filter(e -> e.name().equals("connect")
                && e.source() == io.kindling.probe.api.Source.SYSCALL_EXIT).collect(Collectors.toList());
        assertEquals("one connect exit", 1, connects.size());
        FdContext fd = connects.get(0).fd();
        assertNotNull(fd);
        assertEquals(4L, fd.num());
        assertEquals(FdType.IPV4_SOCK, fd.type());
        assertEquals(L4Protocol.TCP, fd.protocol());
        assertEquals(Boolean.FALSE, fd.serverRole());
        assertEquals("127.0.0.1", fd.sip());
        assertEquals(Integer.valueOf(47192), fd.sport());
        assertEquals("127.0.0.1", fd.dip());
        assertEquals(Integer.valueOf(80), fd.dport());
        assertEquals("the TCP converter made no event here: not subscribed", 0,
                received.stream().filter(e -> e.name().startsWith("tcp_")).count());
    }

    /** Converter-made events by subscription: the CPU converter's cpu_event, from threadless events too. */
    @Test
    public void cpuConverterMakesCpuEventsWhenSubscribed() throws Exception {
        Path capture = TestEnvironment.capture("libs_sample.scap");
        List<String> subscriptions = List.of("cpu_event");
        List<KindlingEvent> received = replayToTestSink(capture, "itest-cpu", subscriptions);
        assertSameEvents(command(capture, "cpu-libs_sample", subscriptions), received);
        assertTrue("only cpu_event", received.stream().allMatch(e -> e.name().equals("cpu_event")));
    }

    /** A converter-made event by subscription: the TCP converter's conn_connect for the connect exit. */
    @Test
    public void tcpConverterMakesTcpConnectWhenSubscribed() throws Exception {
        Path capture = TestEnvironment.capture("falco_connect_localhost.scap");
        List<String> subscriptions = List.of("conn_connect");
        List<KindlingEvent> received = replayToTestSink(capture, "itest-tcp", subscriptions);
        assertSameEvents(command(capture, "tcp-connect_localhost", subscriptions), received);
        assertEquals("one conn_connect", 1, received.size());
        assertEquals("conn_connect", received.get(0).name());
        assertEquals(31699L, received.get(0).thread().pid());
    }

    /**
     * The apm bundle on a capture of the generator's Java scenario: the sink here gets what the command's
     * sink gets, one event per well-formed marker of the generator's log, with the threads' Java names.
     */
    @Test
    public void apmConverterMakesTheJavaAgentsEventsWhenSubscribed() throws Exception {
        Path capture = TestEnvironment.workDir("osgi/apm").resolve("java.scap");
        io.kindling.probe.generator.CaptureGenerator.generate(io.kindling.probe.generator.Scenario.JAVA, 8000, 5, capture);
        List<String> subscriptions = List.of("apm_trace_id_event", "apm_span_event", "java_futex_info");
        List<KindlingEvent> received = replayToTestSink(capture, "itest-apm", subscriptions);
        assertSameEvents(command(capture, "apm-java", subscriptions), received);
        long expected = Files.readAllLines(io.kindling.probe.generator.CaptureGenerator.markerLog(capture)).stream()
                .map(l -> l.split("\t")[3]).filter(subscriptions::contains).count();
        assertTrue("events: " + received.size(), expected > 100);
        assertEquals("one event per well-formed marker", expected, received.size());
        assertTrue("the Java names replace comm", received.stream().allMatch(e -> e.thread().comm().startsWith("http-nio-8090-")));
    }

    // ---- helpers

    /** A sink that keeps what it receives, in order. */
    static final class CollectingSink implements Sink {
        final List<KindlingEvent> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void deliver(KindlingEvent event) {
            events.add(event);
        }
    }

    /** Registers a sink, replays the capture through ProbeControl.open, waits for the run, unregisters. */
    private List<KindlingEvent> replayToTestSink(Path capture, String sinkName, List<String> subscriptions) throws Exception {
        ProbeControl control = control();
        CollectingSink sink = new CollectingSink();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, subscriptions.toArray(new String[0]));
        properties.put(Sink.NAME, sinkName);
        ServiceRegistration<Sink> registration = context().registerService(Sink.class, sink, properties);
        try {
            // Felix delivers the service event on this thread, and SCR binds the dynamic reference
            // then: the engine knows the sink once registerService has returned.
            assertTrue("the engine lists the sink " + sinkName + " in its statistics",
                    control.statistics().sinks().stream().anyMatch(s -> s.name().equals(sinkName)));
            Run run = control.open(capture);
            assertTrue("the run of " + capture.getFileName() + " ends", run.await(120, TimeUnit.SECONDS));
            assertNull("the run ends without failure", run.failure());
            SinkStatistics statistics = run.statistics().sinks().stream().filter(s -> s.name().equals(sinkName))
                    .findFirst().orElseThrow(() -> new AssertionError("no statistics for " + sinkName));
            assertEquals("no event dropped by the sink's queue", 0, statistics.dropped());
            assertEquals("no event failed", 0, statistics.failed());
            assertEquals("delivered == received", statistics.delivered(), sink.events.size());
            synchronized (sink.events) {
                return new ArrayList<>(sink.events);
            }
        } finally {
            registration.unregister();
        }
    }

    /**
     * The real command's events for the same capture and subscriptions: {@code java -jar probe.jar
     * replay FILE --subscribe ... --sink jsonl}.
     */
    private static List<Map<String, Object>> command(Path capture, String caseName, List<String> subscriptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("replay", capture.toString()));
        for (String s : subscriptions) {
            args.add("--subscribe");
            args.add(s);
        }
        args.add("--sink");
        args.add("jsonl");
        ProbeProcess.Result run = ProbeProcess.runBrief(TestEnvironment.workDir("osgi/" + caseName), args.toArray(new String[0]));
        assertEquals("exit status of\n" + run.describe(), 0, run.exitCode());
        RunSummary summary = RunSummary.parse(run.stderr());
        assertNotNull("a summary:\n" + run.describe(), summary);
        assertFalse("the command's jsonl sink was bound to the engine:\n" + run.describe(), summary.noSinks());
        if (subscriptions.contains("all")) {
            assertNull(summary.unboundSinkSymptom("jsonl"), summary.unboundSinkSymptom("jsonl"));
        }
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : run.stdoutLines()) {
            events.add(Json.object(line));
        }
        assertEquals("the command's jsonl sink delivered every line", (long) summary.delivered().get("jsonl"), events.size());
        return events;
    }

    private static void assertSameEvents(List<Map<String, Object>> expected, List<KindlingEvent> received) {
        List<String> want = expected.stream().map(OsgiFrameworkIT::describe).collect(Collectors.toList());
        List<String> got = received.stream().map(OsgiFrameworkIT::describe).collect(Collectors.toList());
        System.out.println("OSGI sink received " + got.size() + " events, the jsonl command wrote " + want.size());
        assertFalse("the capture gives some events", want.isEmpty());
        for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
            assertEquals("event " + (i + 1), want.get(i), got.get(i));
        }
        assertEquals("as many events as the jsonl command", want.size(), got.size());
    }

    /** The comparable part of an event of the jsonl command. */
    @SuppressWarnings("unchecked")
    private static String describe(Map<String, Object> json) {
        Map<String, Object> t = (Map<String, Object>) json.get("thread");
        Map<String, Object> fd = (Map<String, Object>) json.get("fd");
        Map<String, Object> attributes = (Map<String, Object>) json.get("attributes");
        return String.join("|", String.valueOf(json.get("name")), String.valueOf(json.get("category")),
                String.valueOf(json.get("source")), String.valueOf(json.get("timestamp")), String.valueOf(json.get("latency")),
                t == null ? "no thread" : t.get("pid") + "/" + t.get("tid") + "/" + t.get("uid") + "/" + t.get("gid") + "/"
                        + t.get("comm") + "/" + t.get("container_id"),
                fd == null ? "no fd" : fd.get("num") + "/" + fd.get("type") + "/" + fd.get("filename") + "/" + fd.get("directory")
                        + "/" + fd.get("protocol") + "/" + fd.get("role") + "/" + fd.get("sip") + "/" + fd.get("sport") + "/"
                        + fd.get("dip") + "/" + fd.get("dport") + "/" + fd.get("source") + "/" + fd.get("destination"),
                String.valueOf(attributes == null ? null : new LinkedHashSet<>(attributes.keySet())));
    }

    /** The same for an event a sink received. */
    private static String describe(KindlingEvent e) {
        ThreadContext t = e.thread();
        FdContext fd = e.fd();
        return String.join("|", e.name(), e.category() == null ? "null" : e.category().label(),
                e.source() == null ? "null" : e.source().label(), String.valueOf(e.timestamp()), String.valueOf(e.latency()),
                t == null ? "no thread" : t.pid() + "/" + t.tid() + "/" + t.uid() + "/" + t.gid() + "/" + t.comm() + "/"
                        + t.containerId(),
                fd == null ? "no fd" : fd.num() + "/" + fd.type().label() + "/" + fd.filename() + "/" + fd.directory() + "/"
                        + (fd.protocol() == null ? null : fd.protocol().label()) + "/"
                        + (fd.serverRole() == null ? null : fd.serverRole() ? "server" : "client") + "/" + fd.sip() + "/"
                        + fd.sport() + "/" + fd.dip() + "/" + fd.dport() + "/"
                        + (fd.unixSource() == null ? null : Long.toUnsignedString(fd.unixSource())) + "/"
                        + (fd.unixDestination() == null ? null : Long.toUnsignedString(fd.unixDestination())),
                String.valueOf(new LinkedHashSet<>(e.attributes().stream().map(a -> a.key()).collect(Collectors.toList()))));
    }

    private static String state(int state) {
        switch (state) {
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            default: return String.valueOf(state);
        }
    }
}
