package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.Services;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The OTLP sink as the bundles it is, in Felix and in Equinox (the pom runs this class once with each): the
 * OpenTelemetry SDK and exporter bundles, Aries SPI Fly (with ASM) registering the JDK sender, the request
 * converter, the sink configured through Configuration Admin. A generated HTTP capture is replayed again and
 * again while the sink's bundle is stopped and started, then uninstalled and installed again: a sink present
 * throughout gets every request of every replay; the OTLP sink exports metrics and spans over HTTP (protobuf, to a
 * loopback receiver in the test) whenever it runs; the framework reports no error.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OtlpSinkInFrameworkIT {

    static final String PID = "io.kindling.probe.sink.otlp";
    static final String OTLP_BUNDLE = "io.kindling.probe.sink.otlp";

    @Configuration
    public Option[] configuration() {
        List<String> after = new ArrayList<>(List.of("bundle.probe.converter.socket", "bundle.probe.converter.request",
                "bundle.probe.generator", "bundle.asm", "bundle.asm-tree", "bundle.asm-analysis", "bundle.asm-commons", "bundle.asm-util",
                "bundle.spifly"));
        for (String a : List.of("context", "common", "api", "sdk-common", "sdk-metrics", "sdk-trace", "sdk-logs", "sdk",
                "exporter-common", "exporter-otlp-common", "exporter-otlp", "exporter-sender-jdk")) {
            after.add("bundle.opentelemetry-" + a);
        }
        after.add("bundle.probe.sink.otlp");
        return ExamBundles.options(List.of(), after);
    }

    /** A loopback HTTP/1.1 server that reads each request whole and answers 200: it counts, by path, what arrives. */
    static final class Receiver implements AutoCloseable {
        final ServerSocket socket;
        final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
        final List<String> contentTypes = Collections.synchronizedList(new ArrayList<>());
        final Thread thread;

        Receiver() throws IOException {
            socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            thread = new Thread(this::accept, "otlp-test-receiver");
            thread.setDaemon(true);
            thread.start();
        }

        String endpoint() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        long count(String path) {
            AtomicLong n = requests.get(path);
            return n == null ? 0 : n.get();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    Thread t = new Thread(() -> serve(s), "otlp-test-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    String[] lines = head.split("\r\n");
                    String path = lines[0].split(" ")[1];
                    long length = 0;
                    for (String l : lines) {
                        String lower = l.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("content-length:")) {
                            length = Long.parseLong(l.substring(15).trim());
                        } else if (lower.startsWith("content-type:")) {
                            contentTypes.add(l.substring(13).trim());
                        }
                    }
                    if (in.readNBytes((int) length).length != length) {
                        return;
                    }
                    requests.computeIfAbsent(path, k -> new AtomicLong()).incrementAndGet();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                b.write(c);
                byte[] a = b.toByteArray();
                int n = a.length;
                if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                    return new String(a, StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Counts the requests it receives. */
    static final class CountingSink implements Sink {
        final AtomicLong requests = new AtomicLong();

        @Override
        public void deliver(KindlingEvent event) {
            requests.incrementAndGet();
        }
    }

    @Test
    public void theOtlpSinkComesAndGoesWhileRequestsFlow() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(OtlpSinkInFrameworkIT.class).getBundleContext();
        ProbeControl control = Services.await(context, ProbeControl.class);
        Path dir = Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath().resolve("captures");
        Files.createDirectories(dir);
        Path capture = dir.resolve("otlp-http-20000.scap");
        if (!Files.isRegularFile(capture)) {
            Path partial = dir.resolve("otlp-http-20000.scap.part");
            CaptureGenerator.generate(Scenario.HTTP, 20_000, 1, partial);
            Files.move(partial, capture, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> frameworkErrors = Collections.synchronizedList(new ArrayList<>());
        FrameworkListener errors = event -> {
            if (event.getType() == FrameworkEvent.ERROR) {
                frameworkErrors.add(event.getBundle().getSymbolicName() + ": " + event.getThrowable());
            }
        };
        context.addFrameworkListener(errors);
        CountingSink constant = new CountingSink();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, new String[] {"net_request"});
        properties.put(Sink.NAME, "constant");
        properties.put(Sink.QUEUE_SIZE, 1 << 16);
        ServiceRegistration<Sink> registration = context.registerService(Sink.class, constant, properties);
        ConfigurationAdmin admin = Services.await(context, ConfigurationAdmin.class);
        try (Receiver receiver = new Receiver()) {
            org.osgi.service.cm.Configuration configuration = admin.createFactoryConfiguration(PID, "?");
            Hashtable<String, Object> config = new Hashtable<>();
            config.put("endpoint", receiver.endpoint());
            config.put("export.interval.ms", 200);
            config.put("span.sample.rate", 1.0);
            config.put(Sink.SUBSCRIPTIONS, new String[] {"net_request"});
            configuration.update(config);
            await(() -> routes(control, "constant") && routes(control, "otlp"), "the OTLP sink is active (SPI Fly registered the "
                    + "JDK sender) and routed");

            long reference = replay(control, constant);
            assertTrue("the capture has requests", reference > 1000);
            await(() -> receiver.count("/v1/metrics") > 0 && receiver.count("/v1/traces") > 0, "metrics and spans arrive");

            Bundle otlp = bundle(context, OTLP_BUNDLE);
            List<String> churn = Collections.synchronizedList(new ArrayList<>());
            Thread churner = new Thread(() -> {
                try {
                    for (int i = 0; i < 3; i++) {
                        otlp.stop();
                        await(() -> !routes(control, "otlp"), "the OTLP sink is gone once its bundle stopped");
                        otlp.start();
                        await(() -> routes(control, "otlp"), "the OTLP sink takes part once its bundle started");
                        churn.add("restart " + i);
                    }
                    otlp.uninstall();
                    await(() -> !routes(control, "otlp"), "the OTLP sink is gone once uninstalled");
                    Bundle again = context.installBundle("otlp-again:" + OTLP_BUNDLE, Files.newInputStream(ExamBundles.path(
                            "bundle.probe.sink.otlp")));
                    again.start();
                    await(() -> routes(control, "otlp"), "the OTLP sink takes part once installed again");
                    churn.add("reinstalled");
                } catch (Throwable t) {
                    churn.add("failed: " + t);
                }
            }, "otlp-churn");
            churner.start();
            int replays = 0;
            do {
                long got = replay(control, constant);
                assertEquals("the constant sink's requests, replay " + ++replays + " during the churn", reference, got);
            } while (churner.isAlive() && replays < 50);
            churner.join(TimeUnit.MINUTES.toMillis(2));
            assertEquals(List.of("restart 0", "restart 1", "restart 2", "reinstalled"), churn);
            long metricsBefore = receiver.count("/v1/metrics");
            long tracesBefore = receiver.count("/v1/traces");
            assertEquals(reference, replay(control, constant));
            await(() -> receiver.count("/v1/metrics") > metricsBefore && receiver.count("/v1/traces") > tracesBefore,
                    "the reinstalled sink exports");
            assertTrue(receiver.contentTypes.stream().allMatch(t -> t.startsWith("application/x-protobuf")));
            assertEquals("the framework reported no error", List.of(), frameworkErrors);
            System.out.println("OTLP IN " + ExamBundles.framework(context) + ": " + reference + " requests a replay, " + replays
                    + " replays during 3 restarts and a reinstall of the OTLP sink bundle; the receiver got " + receiver.requests);
            configuration.delete();
        } finally {
            registration.unregister();
            context.removeFrameworkListener(errors);
        }
    }

    static long replay(ProbeControl control, CountingSink sink) throws Exception {
        long before = sink.requests.get();
        Path capture = Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath().resolve("captures")
                .resolve("otlp-http-20000.scap");
        Run run = control.open(capture);
        if (!run.await(120, TimeUnit.SECONDS)) {
            run.stop();
            fail("the replay did not end");
        }
        Statistics s = run.statistics();
        s.sinks().stream().filter(k -> k.name().equals("constant")).forEach(k -> assertEquals("constant lost nothing", 0, k.dropped()
                + k.failed()));
        return sink.requests.get() - before;
    }

    static Bundle bundle(BundleContext context, String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(name + " is not installed");
    }

    static boolean routes(ProbeControl control, String sink) {
        return control.statistics().sinks().stream().anyMatch(s -> s.name().equals(sink));
    }

    static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what);
            }
        }
        throw new AssertionError("not within 30 s: " + what);
    }
}
