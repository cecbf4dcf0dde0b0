package io.kindling.probe.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.testing.Replay;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The two sinks in the full OSGi runtime: the bundles of the executable probe (probe.dist's jar) in
 * Felix, the probe running; the Prometheus and Kafka sink bundles are installed, configured through
 * Configuration Admin, fed by a replay, scraped and read back, then removed, while the probe goes on.
 * The bundles' classes are not on this test's class path: services are used by reflection.
 */
class OsgiRuntimeTest {
    private static final Pattern EVENTS_SAMPLE = Pattern.compile("(?m)^kindling_events_total\\{[^}]*} (\\d+)$");

    @TempDir
    static Path dir;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(Files.createDirectories(dir.resolve("broker")));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void bothSinksAreInstalledConfiguredFedAndRemovedWhileTheProbeRuns() throws Exception {
        Path dist = Path.of(System.getProperty("kindling.dist.jar", "../../probe.dist/target/probe.jar"));
        assumeTrue(Files.isReadable(dist), "the executable probe " + dist + " is not built: run mvn install first");
        Path capture = Replay.capture("libs_curl_google.scap");
        Path bundles = extractBundles(dist);

        Map<String, String> props = new HashMap<>();
        props.put("org.osgi.framework.storage", dir.resolve("felix").toString());
        props.put("org.osgi.framework.storage.clean", "onFirstInit");
        props.put("org.apache.felix.http.require.config", "true");
        props.put("felix.log.level", "1");
        props.put("ds.loglevel", "warn");
        System.setProperty("jna.tmpdir", Files.createDirectories(dir.resolve("jna")).toString());
        Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        framework.start();
        try {
            BundleContext context = framework.getBundleContext();
            List<Bundle> started = new ArrayList<>();
            for (Path jar : Files.list(bundles).sorted().toList()) {
                String name = jar.getFileName().toString();
                if (name.startsWith("biz.aQute.launcher") || name.startsWith("org.apache.felix.framework")
                        || name.startsWith("probe.cli") || name.startsWith("probe.sink.kafka")
                        || name.startsWith("probe.sink.prometheus")) {
                    continue;
                }
                started.add(context.installBundle(jar.toUri().toString()));
            }
            for (Bundle b : started) {
                if (b.getHeaders().get("Fragment-Host") == null) {
                    try {
                        b.start();
                    } catch (org.osgi.framework.BundleException e) {
                        throw new AssertionError("bundle " + b.getSymbolicName() + " does not start", e);
                    }
                }
            }
            Object probe = await(context, "io.kindling.probe.api.control.ProbeControl", null);
            assertEquals(0, runtimes(context), "no HTTP server runs before a Prometheus sink is configured");

            // install both sinks into the running probe and configure them
            Bundle prometheusBundle = context.installBundle(bundles.resolve(jarOf(bundles, "probe.sink.prometheus")).toUri().toString());
            Bundle kafkaBundle = context.installBundle(bundles.resolve(jarOf(bundles, "probe.sink.kafka")).toUri().toString());
            prometheusBundle.start();
            kafkaBundle.start();
            int port = freePort();
            broker.createTopic("osgi", 4);
            Object cm = await(context, "org.osgi.service.cm.ConfigurationAdmin", null);
            Object prometheusConfig = factoryConfiguration(cm, "io.kindling.probe.sink.prometheus", Map.of(
                    "kindling.subscriptions", new String[] {"all"}, "kindling.sink.name", "prometheus", "port", port));
            Object kafkaConfig = factoryConfiguration(cm, "io.kindling.probe.sink.kafka", Map.of(
                    "kindling.subscriptions", new String[] {"all"}, "kindling.sink.name", "kafka",
                    "bootstrap.servers", broker.bootstrap(), "topic", "osgi", "host", "osgi-test"));
            await(context, "io.kindling.probe.api.spi.Sink", "(kindling.sink.name=prometheus)");
            await(context, "io.kindling.probe.api.spi.Sink", "(kindling.sink.name=kafka)");
            URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
            String before = awaitScrape(metrics);
            assertEquals(1, runtimes(context), "one HTTP server: the Prometheus sink's own");
            assertTrue(before.contains("# TYPE kindling_events_total counter"), before);

            // replay: the Prometheus sink counts, the Kafka sink publishes
            Object statistics = replay(probe, capture);
            long kafkaDelivered = delivered(statistics, "kafka");
            assertEquals(delivered(statistics, "prometheus"), kafkaDelivered);
            assertTrue(kafkaDelivered > 1000, "the replay reached the sinks: " + statistics);
            String after = awaitScrape(metrics);
            long counted = 0;
            Matcher m = EVENTS_SAMPLE.matcher(after);
            while (m.find()) {
                counted += Long.parseLong(m.group(1));
            }
            assertEquals(kafkaDelivered, counted, "the scrape counts every event the sink got");
            assertTrue(after.contains("kindling_probe_sink_events_total{sink=\"kafka\",outcome=\"delivered\"} " + kafkaDelivered),
                    "the probe's statistics are served too");
            assertEquals(kafkaDelivered, Topic.count(Topic.read(broker.bootstrap(), "osgi", kafkaDelivered, 10_000)),
                    "every event is in the topic");

            // remove both while the probe runs: the endpoint closes, the bundles go, the probe goes on
            invoke(prometheusConfig, "org.osgi.service.cm.Configuration", "delete");
            invoke(kafkaConfig, "org.osgi.service.cm.Configuration", "delete");
            awaitClosed(metrics);
            prometheusBundle.uninstall();
            kafkaBundle.uninstall();
            assertEquals(0, runtimes(context), "the Prometheus sink's HTTP server is gone");
            Path jsonl = dir.resolve("after.jsonl");
            factoryConfiguration(cm, "io.kindling.probe.sink.jsonl", Map.of(
                    "kindling.subscriptions", new String[] {"all"}, "kindling.sink.name", "jsonl", "path", jsonl.toString()));
            await(context, "io.kindling.probe.api.spi.Sink", "(kindling.sink.name=jsonl)");
            awaitRouted(probe, "jsonl"); // the service is visible a moment before the engine is bound to it
            Object again = replay(probe, capture);
            assertEquals(kafkaDelivered, delivered(again, "jsonl"), "the probe runs on without the two sinks");
            assertEquals(kafkaDelivered, Files.readAllLines(jsonl).size());
        } finally {
            framework.stop();
            framework.waitForStop(30_000);
        }
    }

    // ---- OSGi by reflection (the bundles' classes live in the framework's class loaders)

    private static Object await(BundleContext context, String type, String filter) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            // all references: this class path has its own copies of the API classes
            ServiceReference<?>[] refs = context.getAllServiceReferences(type, filter);
            if (refs != null && refs.length > 0) {
                return context.getService(refs[0]);
            }
            if (System.nanoTime() > deadline) {
                StringBuilder state = new StringBuilder();
                for (Bundle b : context.getBundles()) {
                    state.append('\n').append(b.getSymbolicName()).append(' ').append(b.getState());
                }
                for (ServiceReference<?> r : context.getAllServiceReferences(null, null)) {
                    state.append('\n').append(java.util.Arrays.toString((String[]) r.getProperty("objectClass")));
                }
                throw new AssertionError("no service " + type + (filter == null ? "" : " " + filter) + " in 30 s" + state);
            }
            Thread.sleep(20);
        }
    }

    private static int runtimes(BundleContext context) throws Exception {
        ServiceReference<?>[] refs = context.getAllServiceReferences("org.osgi.service.servlet.runtime.HttpServiceRuntime", null);
        return refs == null ? 0 : refs.length;
    }

    private static Object factoryConfiguration(Object cm, String factoryPid, Map<String, Object> values) throws Exception {
        Object configuration = invoke(cm, "org.osgi.service.cm.ConfigurationAdmin", "getFactoryConfiguration",
                factoryPid, "test", null);
        Dictionary<String, Object> d = new Hashtable<>(values);
        invoke(configuration, "org.osgi.service.cm.Configuration", "update", d);
        return configuration;
    }

    private static Object replay(Object probe, Path capture) throws Exception {
        Object run = invoke(probe, "io.kindling.probe.api.control.ProbeControl", "open", capture);
        assertEquals(Boolean.TRUE, invoke(run, "io.kindling.probe.api.control.Run", "await", 60L, TimeUnit.SECONDS));
        return invoke(run, "io.kindling.probe.api.control.Run", "statistics");
    }

    /** Waits until the engine lists the sink in its statistics, that is, routes to it. */
    private static void awaitRouted(Object probe, String sink) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Object statistics = invoke(probe, "io.kindling.probe.api.control.ProbeControl", "statistics");
            for (Object s : (List<?>) statistics.getClass().getMethod("sinks").invoke(statistics)) {
                if (sink.equals(s.getClass().getMethod("name").invoke(s))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the engine did not route to sink " + sink + " within 30 s");
            }
            Thread.sleep(10);
        }
    }

    private static long delivered(Object statistics, String sink) throws Exception {
        for (Object s : (List<?>) statistics.getClass().getMethod("sinks").invoke(statistics)) {
            if (sink.equals(s.getClass().getMethod("name").invoke(s))) {
                return (Long) s.getClass().getMethod("delivered").invoke(s);
            }
        }
        throw new AssertionError("no sink " + sink + " in " + statistics);
    }

    /** Calls an interface method on a service object, the interface loaded where the object's class is. */
    private static Object invoke(Object target, String interfaceName, String method, Object... args) throws Exception {
        Class<?> type = Class.forName(interfaceName, false, target.getClass().getClassLoader());
        for (Method m : type.getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(target, args);
                } catch (IllegalArgumentException wrongOverload) {
                    continue;
                }
            }
        }
        throw new NoSuchMethodException(interfaceName + "." + method);
    }

    // ---- HTTP

    private static String awaitScrape(URI uri) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpResponse<String> r = client.send(request(uri), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r.body();
                }
            } catch (IOException notYet) {
                // Jetty is starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(uri + " did not answer in 30 s");
            }
            Thread.sleep(50);
        }
    }

    /** A request that gives up after 2 s: a server that is stopping may accept and never answer. */
    private static HttpRequest request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build();
    }

    private static void awaitClosed(URI uri) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                client.send(request(uri), HttpResponse.BodyHandlers.discarding());
            } catch (ConnectException closed) {
                return;
            } catch (IOException stopping) {
                // accepted but not answered, or reset: the server is stopping; ask again
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(uri + " still answers 30 s after its sink was removed");
            }
            Thread.sleep(50);
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---- the executable probe's bundles

    private static Path extractBundles(Path dist) throws IOException {
        Path out = Files.createDirectories(dir.resolve("bundles"));
        try (JarFile jar = new JarFile(dist.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (e.getName().startsWith("jar/") && e.getName().endsWith(".jar")) {
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, out.resolve(e.getName().substring(4)));
                    }
                }
            }
        }
        return out;
    }

    private static String jarOf(Path bundles, String prefix) throws IOException {
        try (var files = Files.list(bundles)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix + "-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + prefix + " in the executable probe"));
        }
    }
}
