package io.kindling.probe.sink.otlp;

import com.sun.net.httpserver.HttpServer;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.sink.jsonl.JsonlSink;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What the OTLP sink costs in CPU at a steady request rate (10,000 requests a second by default: both sides of
 * 5,000 exchanges), with spans for 0 %, 1 % and 100 % of them, against the JSON Lines sink (to {@code /dev/null})
 * on the same requests in the same run. The CPU is the whole process's (the sink's thread, the SDK's metric
 * reader, the span exporter, the JDK HTTP client), less that of the same pacing loop delivering to no sink; the
 * OTLP receiver runs in a JVM of its own so that its CPU is not counted. A measurement, not a check: run with
 * {@code -Dkindling.otlp.cost=true} (see the README's Performance section).
 */
class OtlpSinkCost {

    /** A receiver for the measurement, in its own JVM: reads every export and answers 200, decoding nothing. */
    public static final class DiscardingReceiver {
        public static void main(String[] args) throws Exception {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            s.createContext("/", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    exchange.sendResponseHeaders(200, -1);
                }
            });
            s.setExecutor(Executors.newFixedThreadPool(2));
            s.start();
            System.out.println(s.getAddress().getPort());
            System.out.flush();
            System.in.read(); // until the measuring JVM closes our standard input
            System.exit(0);
        }
    }

    static final int ROUNDS = Integer.getInteger("kindling.otlp.cost.rounds", 3);

    @Test
    @EnabledIfSystemProperty(named = "kindling.otlp.cost", matches = "true")
    void cpuAtASteadyRequestRate() throws Exception {
        int rate = Integer.getInteger("kindling.otlp.cost.rate", 10_000);
        int seconds = Integer.getInteger("kindling.otlp.cost.seconds", 10);
        Process receiver = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), DiscardingReceiver.class.getName()).redirectErrorStream(true).start();
        try {
            String port = new String(receiver.getInputStream().readNBytes(6)).trim().split("\\s")[0];
            String endpoint = "http://127.0.0.1:" + port;
            List<KindlingEvent> events = workload(rate);
            Map<String, List<Double>> cores = new LinkedHashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (String what : List.of("none", "jsonl", "otlp 0%", "otlp 1%", "otlp 100%")) {
                    Sink sink = sink(what, endpoint);
                    run(sink, events, rate, 3); // warm-up
                    cores.computeIfAbsent(what, k -> new ArrayList<>()).add(run(sink, events, rate, seconds));
                    close(sink);
                }
            }
            // the least of the rounds: other processes on the machine only ever add to a run's CPU
            double none = least(cores.get("none"));
            double jsonl = least(cores.get("jsonl")) - none;
            StringBuilder report = new StringBuilder(String.format("OTLP SINK COST at %,d requests/s, %d s a run, the least of %d "
                    + "rounds (process CPU less the pacing loop's %.3f cores):%n", rate, seconds, ROUNDS, none));
            for (Map.Entry<String, List<Double>> e : cores.entrySet()) {
                if (!e.getKey().equals("none")) {
                    double c = least(e.getValue()) - none;
                    report.append(String.format("  %-10s %.3f cores (%.2f µs a request), %.2f x the jsonl sink; runs %s%n", e.getKey(),
                            c, c * 1e6 / rate, c / jsonl, e.getValue()));
                }
            }
            System.out.print(report);
        } finally {
            receiver.getOutputStream().close();
            receiver.waitFor(5, TimeUnit.SECONDS);
            receiver.destroyForcibly();
        }
    }

    /** Both sides of HTTP exchanges on loopback, 100 routes, 200 connections, all fast and successful. */
    static List<KindlingEvent> workload(int count) {
        List<KindlingEvent> events = new ArrayList<>();
        long t = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < count / 2; i++) {
            t += 200_000;
            int port = 30000 + i % 200;
            String route = "/api/r" + (i % 100);
            events.add(Requests.http(true, port, t - 100_000, 300_000, "GET", route, route, 200));
            events.add(Requests.http(false, port, t, 500_000, "GET", route, route, 200));
        }
        return events;
    }

    static Sink sink(String what, String endpoint) throws Exception {
        switch (what) {
            case "none":
                return event -> { };
            case "jsonl": {
                JsonlSink sink = new JsonlSink();
                Method activate = JsonlSink.class.getDeclaredMethod("activate", JsonlSink.Config.class);
                activate.setAccessible(true);
                activate.invoke(sink, Requests.config(JsonlSink.Config.class, Map.of("path", "/dev/null")));
                return sink;
            }
            default:
                double rate = Double.parseDouble(what.substring(5, what.length() - 1)) / 100;
                return new OtlpSink(Requests.config(Map.of("endpoint", endpoint, "span.sample.rate", rate, "export.interval.ms",
                        1000)), OtlpSinkTest.jdkSender());
        }
    }

    static void close(Sink sink) throws Exception {
        if (sink instanceof OtlpSink o) {
            o.deactivate();
        } else if (sink instanceof JsonlSink j) {
            Method deactivate = JsonlSink.class.getDeclaredMethod("deactivate");
            deactivate.setAccessible(true);
            deactivate.invoke(j);
        }
    }

    /** Delivers the events at {@code rate} a second for {@code seconds}, in slices of 10 ms; the process's cores used. */
    static double run(Sink sink, List<KindlingEvent> events, int rate, int seconds) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
                .getOperatingSystemMXBean();
        int perSlice = rate / 100;
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        int next = 0;
        for (int slice = 0; slice < seconds * 100; slice++) {
            for (int i = 0; i < perSlice; i++) {
                sink.deliver(events.get(next));
                next = (next + 1) % events.size();
            }
            long due = t0 + (slice + 1) * 10_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        return (os.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - t0);
    }

    static double least(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }
}
