package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.GenerationSummary;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.Services;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Hot deployment under load, in Felix and in Equinox (the pom runs this class once with each): a
 * generated capture of two million events is replayed again and again while a converter bundle
 * (the file converter) and a sink bundle (the example sink) are installed, updated and uninstalled
 * 100 times. A sink present throughout receives exactly what it receives without the churn (same
 * count, same digest of every field of every event), loses nothing, and the figures add up: read =
 * dropped before copying + converted, and converted = what the constant sink took (it subscribes to
 * everything the filter lets through). Each bundle takes part as soon as it is started, and is gone
 * when uninstalled; no operation throws, the framework reports no error, nothing deadlocks.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapUnderLoadIT {

    static final long EVENTS = Long.getLong("kindling.hotswap.events", 2_000_000L);
    static final int ITERATIONS = Integer.getInteger("kindling.hotswap.iterations", 100);
    static final String CONSTANT = "constant";
    /** Everything in the net category; the example sink's subscriptions are a part of it, so the filter never changes. */
    static final String[] CONSTANT_SUBSCRIPTIONS = {"all:net"};
    static final String EXAMPLE = "example";
    static final String EXAMPLE_PID = "io.kindling.probe.sink.example";
    static final String[] EXAMPLE_SUBSCRIPTIONS = {"syscall_exit-read:net", "syscall_exit-write:net", "syscall_exit-connect"};
    /** The file converter works on file descriptors of files: it never touches the constant sink's events. */
    static final String CONVERTER = "file";
    static final long TAKE_PART_MILLIS = 10_000;

    @Configuration
    public Option[] configuration() {
        return ExamBundles.options("bundle.probe.generator");
    }

    @Test
    public void bundlesComeAndGoWhileTwoMillionEventsFlow() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(HotSwapUnderLoadIT.class).getBundleContext();
        Path capture = capture();
        ProbeControl control = Services.await(context, ProbeControl.class);
        configureExampleSink(context);

        List<String> frameworkErrors = Collections.synchronizedList(new ArrayList<>());
        FrameworkListener errors = event -> {
            if (event.getType() == FrameworkEvent.ERROR) {
                frameworkErrors.add(event.getBundle().getSymbolicName() + ": " + event.getThrowable());
            }
        };
        context.addFrameworkListener(errors);
        DigestSink sink = new DigestSink();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, CONSTANT_SUBSCRIPTIONS);
        properties.put(Sink.NAME, CONSTANT);
        properties.put(Sink.QUEUE_SIZE, 1 << 20);
        ServiceRegistration<Sink> registration = context.registerService(Sink.class, sink, properties);
        try {
            await(() -> routes(control, CONSTANT), "the engine routes to the constant sink");
            Replay reference = replay(control, capture, sink);
            check(reference);
            assertTrue("the capture has events for the constant sink", reference.count > 100_000);

            Churn churn = new Churn(context, control);
            Thread churner = new Thread(churn, "hotswap-churn");
            long start = System.nanoTime();
            churner.start();
            List<Replay> during = new ArrayList<>();
            do {
                Replay r = replay(control, capture, sink);
                check(r);
                assertEquals("events to the constant sink, replay " + (during.size() + 1) + " during the churn", reference.count, r.count);
                assertEquals("digest of the constant sink's events, replay " + (during.size() + 1), reference.digest, r.digest);
                during.add(r);
            } while (churner.isAlive() && during.size() < 100);
            churner.join(TimeUnit.MINUTES.toMillis(3));
            if (churner.isAlive()) {
                fail("the churn did not end within 3 minutes (deadlock?):\n" + threadDump());
            }
            double churnSeconds = (System.nanoTime() - start) / 1e9;
            assertNull("no bundle operation failed: " + churn.failure, churn.failure);
            assertEquals("install, update and uninstall of both bundles", ITERATIONS, churn.iterations);
            assertTrue("the first replay ran during the churn", during.get(0).startedBefore(churn.endNanos));

            Replay after = replay(control, capture, sink);
            check(after);
            assertEquals(reference.count, after.count);
            assertEquals(reference.digest, after.digest);
            assertEquals("the framework reported no error", List.of(), frameworkErrors);

            long removedDelivered = during.stream().mapToLong(r -> r.removedExampleDelivered).sum();
            assertTrue("the example sink took part in the replays (its figures stay after removal)", removedDelivered > 0);
            String figures = String.format("HOTSWAP %s: %d events a replay (%d to the constant sink), %d iterations of install,"
                    + " update and uninstall of %s and %s in %.1f s, %d replays during the churn (%.0f events/s), the example"
                    + " sink received %d events across its lives", ExamBundles.framework(context), reference.read,
                    reference.count, churn.iterations, "io.kindling.probe.converter.file", "io.kindling.probe.sink.example",
                    churnSeconds, during.size(), during.stream().mapToDouble(r -> r.eventsPerSecond).average().orElse(0),
                    removedDelivered);
            System.out.println(figures);
            report(figures);
        } finally {
            registration.unregister();
            context.removeFrameworkListener(errors);
        }
    }

    // ---- the churn

    /** Installs, starts, updates and uninstalls the two bundles, checking each time that they take part, then leave. */
    static final class Churn implements Runnable {
        private final BundleContext context;
        private final ProbeControl control;
        volatile int iterations;
        volatile String failure;
        volatile long endNanos = Long.MAX_VALUE;

        Churn(BundleContext context, ProbeControl control) {
            this.context = context;
            this.control = control;
        }

        @Override
        public void run() {
            Path converterJar = ExamBundles.path("bundle.probe.converter.file");
            Path sinkJar = ExamBundles.path("bundle.probe.sink.example");
            try {
                for (int i = 0; i < ITERATIONS; i++) {
                    Bundle converter = install("hotswap:converter.file", converterJar);
                    Bundle sink = install("hotswap:sink.example", sinkJar);
                    converter.start();
                    sink.start();
                    await(() -> converts(control, CONVERTER), "the file converter takes part once started (iteration " + i + ")");
                    await(() -> routes(control, EXAMPLE), "the example sink takes part once started (iteration " + i + ")");
                    try (InputStream in = Files.newInputStream(converterJar)) {
                        converter.update(in);
                    }
                    try (InputStream in = Files.newInputStream(sinkJar)) {
                        sink.update(in);
                    }
                    await(() -> converts(control, CONVERTER), "the file converter takes part once updated (iteration " + i + ")");
                    await(() -> routes(control, EXAMPLE), "the example sink takes part once updated (iteration " + i + ")");
                    converter.uninstall();
                    sink.uninstall();
                    await(() -> !converts(control, CONVERTER), "the file converter is gone once uninstalled (iteration " + i + ")");
                    await(() -> !routes(control, EXAMPLE), "the example sink is gone once uninstalled (iteration " + i + ")");
                    if (i % 25 == 24) {
                        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null);
                    }
                    iterations = i + 1;
                }
            } catch (Throwable t) {
                failure = t.toString();
                t.printStackTrace();
            } finally {
                endNanos = System.nanoTime();
            }
        }

        private Bundle install(String location, Path jar) throws Exception {
            try (InputStream in = Files.newInputStream(jar)) {
                return context.installBundle(location, in);
            }
        }
    }

    static boolean routes(ProbeControl control, String sink) {
        return control.statistics().sinks().stream().anyMatch(s -> s.name().equals(sink));
    }

    static boolean converts(ProbeControl control, String converter) {
        return control.converterStatistics().stream().map(ConverterStatistics::name).anyMatch(converter::equals);
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TAKE_PART_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + TAKE_PART_MILLIS / 1000 + " s");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    // ---- replays

    /** What one replay delivered to the constant sink, and the run's figures. */
    static final class Replay {
        long read;
        long count;
        String digest;
        Statistics statistics;
        long startNanos;
        double eventsPerSecond;
        long removedExampleDelivered;

        boolean startedBefore(long nanos) {
            return startNanos < nanos;
        }
    }

    private static Replay replay(ProbeControl control, Path capture, DigestSink sink) throws Exception {
        sink.reset();
        Replay r = new Replay();
        r.startNanos = System.nanoTime();
        Run run = control.open(capture);
        assertTrue("the replay ends within 5 minutes", run.await(5, TimeUnit.MINUTES));
        assertNull("the replay ends without failure", run.failure());
        r.statistics = run.statistics();
        r.read = r.statistics.read();
        r.count = sink.count();
        r.digest = sink.digest();
        r.eventsPerSecond = r.statistics.eventsPerSecond();
        r.removedExampleDelivered = r.statistics.sinks().stream().filter(s -> s.name().equals(EXAMPLE + " (removed)"))
                .mapToLong(SinkStatistics::delivered).sum();
        return r;
    }

    /** The figures add up, and the constant sink lost nothing. */
    private static void check(Replay r) {
        Statistics s = r.statistics;
        assertEquals("read = dropped before copying + converted: " + s, s.read(), s.droppedTotal() + s.converted());
        SinkStatistics constant = s.sinks().stream().filter(k -> k.name().equals(CONSTANT)).findFirst().orElse(null);
        assertNotNull("statistics of the constant sink: " + s, constant);
        assertEquals("the constant sink dropped nothing: " + constant, 0, constant.dropped());
        assertEquals("no delivery to the constant sink failed: " + constant, 0, constant.failed());
        assertEquals("nothing is left in the constant sink's queue: " + constant, 0, constant.queued());
        assertEquals("converted = delivered + dropped for the sink that subscribes to all the filter passes: " + s,
                s.converted(), constant.delivered() + constant.dropped() + constant.failed());
        assertEquals("delivered = what the constant sink received", constant.delivered(), r.count);
        for (SinkStatistics k : s.sinks()) {
            assertEquals("no delivery failed: " + k, 0, k.failed());
            assertEquals("no queue holds events after the run: " + k, 0, k.queued());
        }
    }

    /** Keeps a SHA-256 over every field of every event it receives, in order. */
    static final class DigestSink implements Sink {
        private MessageDigest digest = newDigest();
        private long count;

        synchronized void reset() {
            digest = newDigest();
            count = 0;
        }

        synchronized long count() {
            return count;
        }

        synchronized String digest() {
            try {
                return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public synchronized void deliver(KindlingEvent event) {
            digest.update(describe(event).getBytes(StandardCharsets.UTF_8));
            count++;
        }

        private static MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static String describe(KindlingEvent e) {
        StringBuilder b = new StringBuilder(256).append(e.name()).append('|').append(e.category()).append('|').append(e.source())
                .append('|').append(e.timestamp()).append('|').append(e.latency()).append('|');
        ThreadContext t = e.thread();
        b.append(t == null ? "-" : t.pid() + "/" + t.tid() + "/" + t.uid() + "/" + t.gid() + "/" + t.comm() + "/" + t.containerId());
        FdContext fd = e.fd();
        b.append('|').append(fd == null ? "-" : fd.num() + "/" + fd.type() + "/" + fd.filename() + "/" + fd.directory() + "/"
                + fd.protocol() + "/" + fd.serverRole() + "/" + fd.sip() + "/" + fd.sport() + "/" + fd.dip() + "/" + fd.dport() + "/"
                + fd.unixSource() + "/" + fd.unixDestination());
        for (Attribute a : e.attributes()) {
            b.append('|').append(a.key()).append('=').append(a.type()).append(':')
                    .append(a.value() instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : a.value());
        }
        return b.append('\n').toString();
    }

    // ---- set-up

    /** The generated capture, under target/ (generated once, then reused by the next framework's run). */
    private static Path capture() throws Exception {
        Path dir = Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath().resolve("captures");
        Files.createDirectories(dir);
        Path file = dir.resolve("hotswap-mixed-" + EVENTS + ".scap");
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            Path partial = dir.resolve(file.getFileName() + ".part");
            GenerationSummary summary = CaptureGenerator.generate(Scenario.MIXED, EVENTS, 5, partial);
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("HOTSWAP generated " + summary.events() + " events in " + summary.elapsedNanos() / 1_000_000 + " ms: " + file);
        }
        return file;
    }

    /** The example sink's configuration: subscriptions that are a part of the constant sink's. */
    private static void configureExampleSink(BundleContext context) throws Exception {
        ConfigurationAdmin admin = Services.await(context, ConfigurationAdmin.class);
        org.osgi.service.cm.Configuration c = admin.getConfiguration(EXAMPLE_PID, "?");
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, EXAMPLE_SUBSCRIPTIONS);
        properties.put(Sink.NAME, EXAMPLE);
        c.update(properties);
    }

    static String threadDump() {
        StringBuilder b = new StringBuilder();
        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        b.append("deadlocked threads: ").append(deadlocked == null ? "none" : deadlocked.length).append('\n');
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            b.append(info);
        }
        return b.toString();
    }

    static void report(String line) {
        try {
            Path dir = Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath();
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("figures.txt"), line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            System.out.println("cannot write the figures: " + e);
        }
    }
}
