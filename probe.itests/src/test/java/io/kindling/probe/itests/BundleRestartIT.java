package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ConfiguredSinks;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.Services;
import io.kindling.probe.itests.support.KafkaTopic;
import io.kindling.probe.itests.support.StaticFields;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.CoreOptions;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Every bundle of the probe can be stopped and started again in the same framework, 50 times,
 * without leaks: after the cycles (each followed by a replay that must deliver what the first one
 * did) the live threads are back to their number before, and the heap after a full collection is
 * back to its level (within a small margin for the JIT and class data), and the arrays, collections,
 * maps and counters held in static fields hold what they held before. Every bundle of the
 * distribution is cycled: the command line with a launcher service for its component, and the
 * prometheus and kafka sinks configured through Configuration Admin. The prometheus sink serves
 * every replay's figures on its port after each restart (scraped over HTTP) and releases the port
 * each time its bundle stops; the kafka sink publishes to a real broker, which runs outside the
 * framework ({@link KafkaTopic}), and its producer's threads are gone each time it stops. Every
 * replay's events that the kafka sink subscribed to arrive in the topic, each once: a plain consumer
 * counts the records after every replay (or, of the 50 cycles, every
 * {@code kindling.restart.kafka.every}th cycle's and the last), against what a sink of the test with
 * the same subscriptions received since the previous count. Runs in Felix and in Equinox.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleRestartIT {

    static final int CYCLES = Integer.getInteger("kindling.restart.cycles", 50);
    static final long HEAP_MARGIN_BYTES = 8L << 20;
    /** The topic's records are counted after every this many cycles (each one by default), and after the last. */
    static final int KAFKA_CHECK_EVERY = Integer.getInteger("kindling.restart.kafka.every", 1);
    static final String KAFKA_TOPIC = "kindling-restart";
    /** What the kafka sink publishes: about a sixth of the replay's events. */
    static final String[] KAFKA_SUBSCRIPTIONS = {"syscall_exit-read", "syscall_exit-write"};
    static final String KAFKA_TWIN = "kafka-twin";

    /** The probe's bundles in the distribution (the native fragment aside), each of which is cycled. */
    static final List<String> DISTRIBUTION = List.of("io.kindling.probe.api", "io.kindling.probe.generator",
            "io.kindling.probe.inspector", "io.kindling.probe.core", "io.kindling.probe.converter.socket",
            "io.kindling.probe.converter.file", "io.kindling.probe.converter.tcp", "io.kindling.probe.converter.cpu",
            "io.kindling.probe.sink.console", "io.kindling.probe.sink.jsonl", "io.kindling.probe.sink.prometheus",
            "io.kindling.probe.sink.kafka", "io.kindling.probe.cli");

    @Configuration
    public Option[] configuration() {
        Option[] bundles = ExamBundles.options(
                List.of("bundle.jackson-core", "bundle.org.apache.felix.http.servlet-api", "bundle.org.apache.felix.http.jetty"),
                List.of("bundle.probe.converter.socket", "bundle.probe.generator", "bundle.probe.converter.file",
                        "bundle.probe.converter.tcp", "bundle.probe.converter.cpu", "bundle.probe.sink.console",
                        "bundle.probe.sink.jsonl", "bundle.probe.sink.example", "bundle.probe.sink.prometheus",
                        "bundle.probe.sink.kafka", "bundle.probe.cli"));
        // as in the distribution: Felix HTTP opens no port until a configuration (the prometheus sink's) asks for one
        return OptionUtils.combine(bundles, CoreOptions.frameworkProperty("org.apache.felix.http.require.config").value("true"));
    }

    private static BundleContext context() {
        return FrameworkUtil.getBundle(BundleRestartIT.class).getBundleContext();
    }

    /** Every bundle of the probe that can be started (the fragment aside), in the order they were installed: api first. */
    private static List<Bundle> probeBundles() {
        List<Bundle> list = new ArrayList<>();
        for (Bundle b : context().getBundles()) {
            String name = b.getSymbolicName();
            if (name != null && name.startsWith("io.kindling.probe.")
                    && (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) == 0) {
                list.add(b);
            }
        }
        list.sort(Comparator.comparingLong(Bundle::getBundleId));
        Set<String> names = list.stream().map(Bundle::getSymbolicName).collect(Collectors.toSet());
        assertTrue("every bundle of the distribution is cycled: " + names, names.containsAll(DISTRIBUTION));
        return list;
    }

    /**
     * bnd's launcher as the command line's component needs it (a service with the program's
     * arguments), so that the component is active and is deactivated and activated by each cycle.
     */
    private static ServiceRegistration<Object> launcher() {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("launcher.arguments", new String[] {"help"});
        return context().registerService(Object.class, new Object(), properties);
    }

    /** Whether the command line's component is active: its main-thread Callable is registered. */
    private static boolean commandLineActive() throws Exception {
        return !context().getServiceReferences(Callable.class, "(main.thread=true)").isEmpty();
    }

    @Test
    public void everyBundleStopsAndStartsFiftyTimesWithoutLeaks() throws Exception {
        Path capture = capture();
        try (KafkaTopic kafka = KafkaTopic.start(work().resolve("kafka"), KAFKA_TOPIC, 4, List.of("read", "write"))) {
            CountingSink sink = new CountingSink();
            CountingSink twin = new CountingSink();
            ServiceRegistration<Sink> registration = context().registerService(Sink.class, sink, sinkProperties("restart", "all"));
            ServiceRegistration<Sink> twinRegistration = context().registerService(Sink.class, twin,
                    sinkProperties(KAFKA_TWIN, KAFKA_SUBSCRIPTIONS));
            ServiceRegistration<Object> launcher = launcher();
            ConfiguredSinks configured = ConfiguredSinks.create(Services.await(context(), ConfigurationAdmin.class), "all",
                    kafka.bootstrap(), KAFKA_TOPIC, KAFKA_SUBSCRIPTIONS);
            try {
                cycles(new Replays(sink, capture, configured, new Published(kafka, twin)));
            } finally {
                configured.delete();
                launcher.unregister();
                twinRegistration.unregister();
                registration.unregister();
            }
        }
    }

    private static Hashtable<String, Object> sinkProperties(String name, String... subscriptions) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, subscriptions);
        properties.put(Sink.NAME, name);
        return properties;
    }

    /** The replays and the cycles between them, with the checks of threads, heap and static state around them. */
    private static void cycles(Replays replays) throws Exception {
        long expected = replays.next();
        assertTrue("the capture gives events", expected > 1000);
        replays.published().check("the first replay");
        for (int i = 0; i < 3; i++) { // warm-up: classes loaded, JIT settled, caches at their size
            cycle(replays.configured());
            assertEquals(expected, replays.next());
            replays.published().check("warm-up cycle " + (i + 1));
        }
        StaticFields staticsBefore = StaticFields.of(context());
        int threadsBefore = settledThreads(Integer.MAX_VALUE);
        long heapBefore = heapAfterGc();
        Set<String> namesBefore = threadNames();
        long start = System.nanoTime();
        for (int i = 1; i <= CYCLES; i++) {
            cycle(replays.configured());
            assertEquals("events delivered after cycle " + i, expected, replays.next());
            if (i % KAFKA_CHECK_EVERY == 0 || i == CYCLES) {
                replays.published().check("cycle " + i);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int threadsAfter = settledThreads(threadsBefore);
        long heapAfter = heapAfterGc();
        Set<String> extra = threadNames();
        extra.removeAll(namesBefore);
        String figures = String.format("RESTART %s: %d stop/start cycles of %d bundles, each followed by a replay of %d events,"
                + " in %.1f s; threads %d before, %d after; heap after GC %.1f MiB before, %.1f MiB after; %s",
                ExamBundles.framework(context()), CYCLES, probeBundles().size(), expected, seconds, threadsBefore, threadsAfter,
                heapBefore / 1048576.0, heapAfter / 1048576.0, replays.published());
        System.out.println(figures);
        HotSwapUnderLoadIT.report(figures);
        assertTrue("threads back to their number (" + threadsBefore + " before, " + threadsAfter + " after; new: " + extra + ")",
                threadsAfter <= threadsBefore);
        assertTrue(String.format("heap back to its level: %d bytes before, %d after", heapBefore, heapAfter),
                heapAfter <= heapBefore + HEAP_MARGIN_BYTES);
        assertTrue("the command line's component is active again", commandLineActive());
        StaticFields staticsAfter = StaticFields.of(context());
        assertEquals("static arrays, collections, maps and counters hold what they held before the cycles and replays ("
                + staticsBefore.contents().size() + " read)", List.of(), staticsBefore.changedIn(staticsAfter));
    }

    /**
     * Stops every probe bundle (last started first), then starts them again. Once they are stopped,
     * the prometheus sink's port is free and no kafka producer thread is left.
     */
    private static void cycle(ConfiguredSinks configured) throws Exception {
        List<Bundle> bundles = probeBundles();
        for (int i = bundles.size() - 1; i >= 0; i--) {
            bundles.get(i).stop();
        }
        HotSwapUnderLoadIT.await(configured::portFree, "port " + configured.port() + " is released once the prometheus sink stopped");
        HotSwapUnderLoadIT.await(() -> ConfiguredSinks.producerThreads() == 0, "the kafka producer's threads end when its bundle stops");
        for (Bundle b : bundles) {
            b.start();
        }
    }

    /** The test's sinks, the capture, the configured sinks and what the kafka sink published. */
    private record Replays(CountingSink sink, Path capture, ConfiguredSinks configured, Published published) {

        /**
         * Replays the capture once the engine routes to the test's sinks and the configured ones;
         * returns what the test's sink received, after checking that the prometheus sink serves the
         * same figures and that the kafka sink's producer runs.
         */
        long next() throws Exception {
            ProbeControl control = Services.await(context(), ProbeControl.class);
            HotSwapUnderLoadIT.await(() -> List.of("restart", KAFKA_TWIN, ConfiguredSinks.PROMETHEUS, ConfiguredSinks.KAFKA).stream()
                    .allMatch(name -> HotSwapUnderLoadIT.routes(control, name)), "the engine routes to the test's sinks and the configured ones");
            sink.count.set(0);
            Run run = control.open(capture);
            assertTrue("the replay ends", run.await(2, TimeUnit.MINUTES));
            assertNull("the replay ends without failure", run.failure());
            long delivered = sink.count.get();
            AtomicReference<Map<String, Double>> samples = new AtomicReference<>();
            HotSwapUnderLoadIT.await(() -> samples.updateAndGet(none -> configured.scrape()) != null,
                    "the prometheus sink answers on port " + configured.port());
            ConfiguredSinks.assertFigures(samples.get(), control.statistics().read(), delivered);
            assertTrue("the kafka sink's producer runs", ConfiguredSinks.producerThreads() > 0);
            return delivered;
        }
    }

    /**
     * The records in the kafka sink's topic against the events its twin (a sink of the test with the
     * same subscriptions) received: each count reads what arrived since the previous one.
     */
    private static final class Published {
        private final KafkaTopic kafka;
        private final CountingSink twin;
        private long counted;
        private int checks;

        Published(KafkaTopic kafka, CountingSink twin) {
            this.kafka = kafka;
            this.twin = twin;
        }

        void check(String when) throws Exception {
            long expected = twin.count.get() - counted;
            KafkaTopic.Count count = kafka.count(expected);
            String line = String.format("KAFKA %s, %s: %d records expected in the topic since the previous count, %d counted"
                    + " (%d of other events, %d keys)", ExamBundles.framework(context()), when, expected, count.records(),
                    count.unexpected(), count.keys());
            System.out.println(line);
            HotSwapUnderLoadIT.report(line);
            assertTrue("the replays give the kafka sink events", expected > 0);
            assertEquals("records in the topic after " + when + ", each replay's events once", expected, count.records());
            assertEquals("records of events the kafka sink did not subscribe to", 0, count.unexpected());
            counted += expected;
            checks++;
        }

        @Override
        public String toString() {
            return String.format("kafka: %d records counted in the topic in %d counts, as many as the kafka sink's twin received",
                    counted, checks);
        }
    }

    static final class CountingSink implements Sink {
        final AtomicLong count = new AtomicLong();

        @Override
        public void deliver(KindlingEvent event) {
            count.incrementAndGet();
        }
    }

    /** Live threads once the ones that are ending have ended (waits up to 10 s for at most {@code target}). */
    private static int settledThreads(int target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n = ManagementFactory.getThreadMXBean().getThreadCount();
        while (n > target && System.nanoTime() < deadline) {
            Thread.sleep(100);
            n = ManagementFactory.getThreadMXBean().getThreadCount();
        }
        Thread.sleep(300);
        return Math.min(n, ManagementFactory.getThreadMXBean().getThreadCount());
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /**
     * Every static field of the probe's bundles is final; whether the arrays, collections and maps
     * they hold change is what the restart test compares (constant lookup tables do not). The
     * comparison sees a collection grow and an array element change.
     */
    @Test
    public void staticFieldsAreFinal() throws Exception {
        StaticFields statics = StaticFields.of(context());
        System.out.println("STATIC " + statics.classes() + " classes of the probe's bundles checked, "
                + statics.contents().size() + " static containers");
        assertTrue("classes were checked", statics.classes() > 20);
        assertEquals("static fields that are not final", List.of(), statics.notFinal());
        List<Integer> growing = new ArrayList<>(List.of(1));
        String before = StaticFields.fingerprint(growing);
        growing.add(2);
        assertNotEquals(before, StaticFields.fingerprint(growing));
        long[] table = {1, 2, 3};
        before = StaticFields.fingerprint(table);
        table[1] = 5;
        assertNotEquals(before, StaticFields.fingerprint(table));
    }

    static Path work() {
        return Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath();
    }

    static Path capture() throws Exception {
        Path dir = work().resolve("captures");
        Files.createDirectories(dir);
        Path file = dir.resolve("restart-http-20000.scap");
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            Path partial = dir.resolve(file.getFileName() + ".part");
            CaptureGenerator.generate(Scenario.HTTP, 20_000, 3, partial);
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
