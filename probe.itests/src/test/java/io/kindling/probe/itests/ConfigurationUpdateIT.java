package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.Services;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Configuration written while a replay is in progress, in the real framework: the inspector's
 * configuration (the same values again) leaves the engine, its control service and the run alone,
 * and the cpu converter's (a new window) does not cut the run in progress: its cpu events, and
 * their on_total_time, are those of a run without it; the new window applies from the next run. The
 * sink of those cpu events, renamed meanwhile (its service properties modified), receives every one of
 * them all the same.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationUpdateIT {
    static final long EVENTS = 100_000;
    static final String INSPECTOR_PID = "io.kindling.probe.inspector";
    static final String CPU_PID = "io.kindling.probe.converter.cpu";
    static final String REVISION = "kindling.test.revision";

    @Configuration
    public Option[] configuration() {
        return ExamBundles.options("bundle.probe.generator", "bundle.probe.converter.cpu");
    }

    /** Holds the replay in place: blocks on its first event until released (its queue is small). */
    static final class Gate implements Sink {
        final CountDownLatch open = new CountDownLatch(1);
        final CountDownLatch reached = new CountDownLatch(1);

        @Override
        public void deliver(KindlingEvent event) {
            reached.countDown();
            try {
                open.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Counts cpu events and adds up their on_total_time. */
    static final class CpuTotals implements Sink {
        final AtomicLong events = new AtomicLong();
        final AtomicLong onTotal = new AtomicLong();

        @Override
        public void deliver(KindlingEvent event) {
            events.incrementAndGet();
            onTotal.addAndGet(event.attribute("on_total_time").longValue());
        }

        void reset() {
            events.set(0);
            onTotal.set(0);
        }
    }

    @Test
    public void configurationWrittenMidReplayLeavesTheRunAlone() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(ConfigurationUpdateIT.class).getBundleContext();
        ConfigurationAdmin admin = Services.await(context, ConfigurationAdmin.class);
        Path capture = capture();
        // a replay waits for a full queue as long as the engine's stall time: longer than the test holds it
        update(admin, "io.kindling.probe.core", "sink.stall.millis", 120_000L);
        awaitProperty(context, ProbeControl.class, null, "sink.stall.millis", 120_000L);
        ProbeControl control = Services.await(context, ProbeControl.class);
        ProbeRouting routing = Services.await(context, ProbeRouting.class);
        long controlId = Services.id(context, ProbeControl.class);
        CpuTotals cpu = new CpuTotals();
        ServiceRegistration<Sink> cpuSink = register(context, cpu, "cpu-totals", "cpu_event", 1 << 20);
        try {
            assertTrue("the engine routes cpu events", routing.awaitRouting(v -> v.sinks().containsKey("cpu-totals"),
                    30, TimeUnit.SECONDS));
            Run reference = control.open(capture);
            assertTrue(reference.await(5, TimeUnit.MINUTES));
            assertNull(reference.failure());
            long referenceEvents = cpu.events.get();
            long referenceOn = cpu.onTotal.get();
            assertTrue("the capture gives cpu events: " + referenceEvents, referenceEvents > 100);

            cpu.reset();
            Gate gate = new Gate();
            ServiceRegistration<Sink> gateSink = register(context, gate, "gate", "all", 16);
            try {
                assertTrue(routing.awaitRouting(v -> v.sinks().containsKey("gate"), 30, TimeUnit.SECONDS));
                Run run = control.open(capture);
                assertTrue("the replay reached the gate", gate.reached.await(60, TimeUnit.SECONDS));

                update(admin, INSPECTOR_PID, REVISION, 1); // the inspector's values unchanged, written again
                awaitProperty(context, Inspector.class, null, REVISION, 1);
                update(admin, CPU_PID, "window.ms", 500L);
                awaitProperty(context, Converter.class, "(" + Converter.NAME + "=cpu)", "window.ms", 500L);
                // the cpu sink renamed, on a thread of its own as a configuration update would be
                Thread renamer = new Thread(() -> cpuSink.setProperties(properties("cpu-totals-renamed", "cpu_event", 1 << 20)),
                        "rename");
                renamer.start();
                assertTrue("the sink is routed under its new name", routing.awaitRouting(
                        v -> v.sinks().containsKey("cpu-totals-renamed") && !v.sinks().containsKey("cpu-totals"), 30, TimeUnit.SECONDS));
                Thread.sleep(500); // what a restart of the engine would take to show

                assertEquals("the same control service", controlId, Services.id(context, ProbeControl.class));
                assertFalse("the run goes on", run.isDone());
                gate.open.countDown();
                assertTrue(run.await(5, TimeUnit.MINUTES));
                renamer.join(60_000);
                assertNull("the run read to the end: " + run.failure(), run.failure());
                assertEquals("read as much as the reference", reference.statistics().read(), run.statistics().read());
                assertEquals("cpu events of the run in progress, as without the update", referenceEvents, cpu.events.get());
                assertEquals("on_total_time of the run in progress, as without the update", referenceOn, cpu.onTotal.get());
            } finally {
                gateSink.unregister();
            }

            cpu.reset();
            Run next = control.open(capture);
            assertTrue(next.await(5, TimeUnit.MINUTES));
            assertNull(next.failure());
            assertNotEquals("the next run has the new window", referenceEvents, cpu.events.get());
        } finally {
            cpuSink.unregister();
            admin.getConfiguration(CPU_PID, "?").delete();
            admin.getConfiguration(INSPECTOR_PID, "?").delete();
        }
    }

    private static ServiceRegistration<Sink> register(BundleContext context, Sink sink, String name, String subscription,
            int queue) {
        return context.registerService(Sink.class, sink, properties(name, subscription, queue));
    }

    private static Hashtable<String, Object> properties(String name, String subscription, int queue) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(Sink.NAME, name);
        p.put(Sink.SUBSCRIPTIONS, new String[] {subscription});
        p.put(Sink.QUEUE_SIZE, queue);
        return p;
    }

    private static void update(ConfigurationAdmin admin, String pid, String key, Object value) throws Exception {
        org.osgi.service.cm.Configuration c = admin.getConfiguration(pid, "?");
        Dictionary<String, Object> p = c.getProperties() != null ? c.getProperties() : new Hashtable<>();
        p.put(key, value);
        c.update(p);
    }

    /** Waits until a service of the type (and filter) shows the configuration's value: the component has it. */
    private static void awaitProperty(BundleContext context, Class<?> type, String filter, String key, Object value)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            ServiceReference<?>[] refs = context.getServiceReferences(type.getName(), filter);
            for (ServiceReference<?> r : refs != null ? refs : new ServiceReference<?>[0]) {
                if (value.equals(r.getProperty(key))) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the configuration did not reach " + type.getSimpleName() + " within 30 s");
    }

    private static Path capture() throws Exception {
        Path dir = Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath().resolve("captures");
        Files.createDirectories(dir);
        Path file = dir.resolve("config-mixed-" + EVENTS + ".scap");
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            Path partial = dir.resolve(file.getFileName() + ".part");
            CaptureGenerator.generate(Scenario.MIXED, EVENTS, 9, partial);
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
