package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.Services;
import io.kindling.probe.itests.support.TestEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;

/**
 * The TCP and CPU converter bundles come and go while the probe runs in Felix: stopping, updating
 * (replacing) and starting either bundle again changes only its own events. libs_curl_google.scap has
 * one TCP connection (conn_connect, conn_close) and 25 scheduler switches (cpu_events).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConverterChurnIT {
    private static final String TCP = "io.kindling.probe.converter.tcp";
    private static final String CPU = "io.kindling.probe.converter.cpu";

    @Configuration
    public Option[] configuration() {
        return ExamBundles.options(List.of("bundle.jackson-core"), List.of("bundle.probe.converter.file",
                "bundle.probe.converter.socket", "bundle.probe.converter.tcp", "bundle.probe.converter.cpu"));
    }

    private BundleContext context() {
        return FrameworkUtil.getBundle(ConverterChurnIT.class).getBundleContext();
    }

    private Bundle bundleNamed(String symbolicName) {
        for (Bundle b : context().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is installed");
    }

    private ProbeControl control() throws InterruptedException {
        return Services.await(context(), ProbeControl.class);
    }

    /** Waits until the catalog lists (or no longer lists) the names a converter emits. */
    private void awaitCatalog(ProbeControl control, String name, boolean present) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            boolean listed = control.catalog().entries().stream().map(EventCatalog.Entry::name).anyMatch(name::equals);
            if (listed == present) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the catalog " + (present ? "lists " : "still lists ") + name);
    }

    static final class CollectingSink implements Sink {
        final List<KindlingEvent> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void deliver(KindlingEvent event) {
            events.add(event);
        }
    }

    private ServiceRegistration<Sink> register(CollectingSink sink, String name, String... subscriptions) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, subscriptions);
        properties.put(Sink.NAME, name);
        return context().registerService(Sink.class, sink, properties);
    }

    /**
     * Replays the capture to two sinks of this test, one subscribed to the TCP converter's events, one
     * to the CPU converter's (a sink whose names are unknown while their converter is away receives
     * nothing), and gives what they received, as comparable lines in time order.
     */
    private List<String> replay(ProbeControl control, String sinkName) throws Exception {
        Path capture = TestEnvironment.capture("libs_curl_google.scap");
        CollectingSink tcpSink = new CollectingSink();
        CollectingSink cpuSink = new CollectingSink();
        ServiceRegistration<Sink> tcpRegistration = register(tcpSink, sinkName + "-tcp", "conn_connect", "conn_accept", "conn_close");
        ServiceRegistration<Sink> cpuRegistration = register(cpuSink, sinkName + "-cpu", "cpu_event");
        try {
            Run run = control.open(capture);
            assertTrue("the run ends", run.await(120, TimeUnit.SECONDS));
            assertNull("the run ends without failure", run.failure());
            List<KindlingEvent> all = new ArrayList<>();
            synchronized (tcpSink.events) {
                all.addAll(tcpSink.events);
            }
            synchronized (cpuSink.events) {
                all.addAll(cpuSink.events);
            }
            return all.stream().map(ConverterChurnIT::line).sorted().collect(Collectors.toList());
        } finally {
            tcpRegistration.unregister();
            cpuRegistration.unregister();
        }
    }

    static String line(KindlingEvent e) {
        StringBuilder b = new StringBuilder().append(e.timestamp()).append(' ').append(e.name()).append(' ')
                .append(e.thread() == null ? "-" : e.thread().tid()).append(' ').append(e.fd()).append(' ');
        for (Attribute a : e.attributes()) {
            b.append(a.key()).append('=').append(a.value() instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : a.value())
                    .append(' ');
        }
        return b.toString();
    }

    private static List<String> only(List<String> lines, Predicate<String> keep) {
        return lines.stream().filter(keep).collect(Collectors.toList());
    }

    private static boolean isTcp(String line) {
        return line.split(" ")[1].startsWith("conn_");
    }

    private static boolean isCpu(String line) {
        return line.split(" ")[1].equals("cpu_event");
    }

    @Test
    public void replacingOrRemovingEitherBundleChangesOnlyItsOwnEvents() throws Exception {
        ProbeControl control = control();
        awaitCatalog(control, "conn_connect", true);
        awaitCatalog(control, "cpu_event", true);
        List<String> all = replay(control, "churn-all");
        List<String> tcp = only(all, ConverterChurnIT::isTcp);
        List<String> cpu = only(all, ConverterChurnIT::isCpu);
        assertEquals("the connection's connect and close: " + tcp, 2, tcp.size());
        assertFalse("cpu_events", cpu.isEmpty());
        assertEquals(all.size(), tcp.size() + cpu.size());

        Bundle tcpBundle = bundleNamed(TCP);
        Bundle cpuBundle = bundleNamed(CPU);

        // the TCP converter removed: the cpu_events stay exactly as they were
        tcpBundle.stop();
        awaitCatalog(control, "conn_connect", false);
        assertEquals(cpu, replay(control, "churn-no-tcp"));

        // back, then replaced by an update of its bundle: everything as at first
        tcpBundle.start();
        awaitCatalog(control, "conn_connect", true);
        assertEquals(all, replay(control, "churn-tcp-back"));
        tcpBundle.update();
        awaitCatalog(control, "conn_connect", true);
        assertEquals(all, replay(control, "churn-tcp-updated"));

        // the CPU converter removed: the tcp events stay exactly as they were
        cpuBundle.stop();
        awaitCatalog(control, "cpu_event", false);
        assertEquals(tcp, replay(control, "churn-no-cpu"));
        assertTrue("no statistics of a converter that is gone",
                control.converterStatistics().stream().noneMatch(s -> s.name().equals("cpu")));

        cpuBundle.update();
        cpuBundle.start();
        awaitCatalog(control, "cpu_event", true);
        assertEquals(all, replay(control, "churn-cpu-back"));
    }
}
