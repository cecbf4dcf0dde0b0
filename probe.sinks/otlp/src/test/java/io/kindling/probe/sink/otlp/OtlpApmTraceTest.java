package io.kindling.probe.sink.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.apm.ApmMarkerConverter;
import io.kindling.probe.converter.apm.JavaThreadNames;
import io.kindling.probe.converter.request.RequestConverter;
import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.core.TestEngine;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.inspector.NativeInspector;
import io.kindling.probe.sink.otlp.OtlpReceiver.Received;
import io.kindling.probe.testing.Captures;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spans of requests that Kindling's Java agent marked join the agent's trace: the generator's Java scenario (a
 * Java HTTP server whose worker threads write {@code kd-txid@} markers around each request) replayed through the real
 * engine, native inspector, request converter and apm converter into the OTLP sink, subscribed to
 * {@code net_request} and {@code apm_trace_id_event}, every request sampled; the receiver decodes the spans. Each of
 * the server's spans carries the trace id the generator logged for that request on that thread (the markers around
 * it), and its parent is the span of the local client of the same connection, which joins the agent's trace too.
 */
class OtlpApmTraceTest {

    /** One request as the generator logged its markers: thread, the start and end markers' times, the trace id. */
    record Marked(long tid, long start, long end, String traceId) {}

    @Test
    void theServersSpansCarryTheTraceIdsTheJavaAgentWrote(@TempDir Path dir) throws Exception {
        Captures.assumeNative();
        Path capture = dir.resolve("java.scap");
        CaptureGenerator.generate(Scenario.JAVA, 20_000, 11, capture);
        Map<String, Long> open = new HashMap<>();
        List<Marked> marked = new ArrayList<>();
        for (String line : Files.readAllLines(CaptureGenerator.markerLog(capture))) {
            String[] f = line.split("\t", 6);
            if (!f[3].equals("apm_trace_id_event")) {
                continue;
            }
            String[] fields = f[5].substring("kd-txid@".length()).split("!", -1);
            long ts = Long.parseLong(f[0]);
            String key = f[2] + " " + fields[0];
            if (fields[1].equals("1")) {
                open.put(key, ts);
            } else {
                marked.add(new Marked(Long.parseLong(f[2]), open.remove(key), ts, fields[0]));
            }
        }
        int ended = marked.size();
        // requests whose end the capture did not reach: their trace is open
        open.forEach((key, start) -> marked.add(new Marked(Long.parseLong(key.split(" ")[0]), start, Long.MAX_VALUE,
                key.split(" ")[1])));
        assertTrue(ended > 50, "requests marked: " + ended);

        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200,
                    "span.sample.rate", 1.0, "span.queue.size", 100_000)), OtlpSinkTest.jdkSender());
            Map<String, Long> figures;
            try {
                JavaThreadNames names = new JavaThreadNames(1024);
                RequestConverter requests = RequestConverter.withDefaults();
                requests.addParser(new HttpParser(), Map.of());
                try (TestEngine engine = new TestEngine(new NativeInspector(1 << 21, 8192))) {
                    engine.add(new ApmMarkerConverter(names), Map.of(Converter.NAME, "apm", Converter.EVENTS, "syscall_exit-write",
                            Converter.FD_TYPES, "file", Converter.EMITS, ApmMarkerConverter.EMITS, Converter.NEEDS,
                            ApmMarkerConverter.NEEDS))
                            .add(requests, Map.of(Converter.NAME, "request", Converter.EMITS, "net_request", Converter.NEEDS,
                                    RequestConverter.NEEDS, Converter.SNAPLEN, 1024))
                            .add(sink, Map.of(Sink.SUBSCRIPTIONS, new String[] {"net_request", "apm_trace_id_event"}, Sink.NAME,
                                    "otlp"));
                    engine.replay(capture);
                }
                figures = sink.statistics();
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.spans().size() == sink.statistics().get("spans.sampled"), 30),
                        "every span arrives: " + receiver.spans().size() + " of " + sink.statistics());
            } finally {
                sink.deactivate();
            }
            System.out.println("OTLP apm traces: " + marked.size() + " requests marked; the sink's figures " + figures);

            int server = 0;
            int joined = 0;
            int unanswered = 0;
            int clientFirst = 0;
            Map<String, Integer> clientTraces = new TreeMap<>();
            Map<String, Span> byId = new HashMap<>();
            receiver.spans().forEach(r -> byId.put(HexFormat.of().formatHex(r.span().getSpanId().toByteArray()), r.span()));
            for (Received r : receiver.spans()) {
                Span s = r.span();
                String trace = HexFormat.of().formatHex(s.getTraceId().toByteArray());
                if (s.getKind() == Span.SpanKind.SPAN_KIND_SERVER && "8090".equals(r.attribute("server.port"))) {
                    server++;
                    long tid = Long.parseLong(r.attribute("thread.id"));
                    List<Marked> around = marked.stream().filter(m -> m.tid() == tid && m.start() < s.getEndTimeUnixNano()
                            && s.getEndTimeUnixNano() <= m.end()).toList();
                    assertEquals(1, around.size(), "the markers around " + s.getName() + " on thread " + tid);
                    assertEquals(around.get(0).traceId(), trace, "the agent's trace id");
                    assertEquals(around.get(0).traceId(), r.attribute("kindling.apm.trace_id"));
                    // its parent: the local client's span of the same connection, in the agent's trace
                    Span parent = byId.get(HexFormat.of().formatHex(s.getParentSpanId().toByteArray()));
                    if (parent == null) {
                        // no parent where the capture ended before the client read the answer (the parent it names never
                        // comes), or where the client's event came first: its span went out in a trace of its own
                        String port = r.attribute("client.port");
                        List<Received> client = receiver.spans().stream().filter(c -> c.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT
                                && port.equals(c.attribute("client.port")) && c.span().getStartTimeUnixNano() <= s.getStartTimeUnixNano()
                                && s.getEndTimeUnixNano() <= c.span().getEndTimeUnixNano()).toList();
                        if (client.isEmpty()) {
                            unanswered++;
                        } else {
                            assertEquals(1, client.size());
                            assertTrue(s.getParentSpanId().isEmpty(), "a parent named that did not come: " + s.getName());
                            assertTrue(!client.get(0).span().getTraceId().equals(s.getTraceId()), "the client came first");
                            clientFirst++;
                        }
                        continue;
                    }
                    assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, parent.getKind());
                    assertEquals(trace, HexFormat.of().formatHex(parent.getTraceId().toByteArray()));
                    assertTrue(parent.getStartTimeUnixNano() <= s.getStartTimeUnixNano()
                            && s.getEndTimeUnixNano() <= parent.getEndTimeUnixNano(), "the server's times inside the client's");
                    joined++;
                } else if (s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT) {
                    clientTraces.merge(trace, 1, Integer::sum);
                    assertEquals(null, r.attribute("kindling.apm.trace_id"), "a client thread wrote no marker");
                }
            }
            System.out.println("OTLP apm traces: server spans " + server + " in their marked traces, the child of their client's span: "
                    + joined + ", whose client's answer the capture did not reach: " + unanswered + ", whose client's event came first: "
                    + clientFirst + "; client spans "
                    + clientTraces.values().stream().mapToInt(Integer::intValue).sum());
            assertTrue(unanswered <= 1, "only the last request can lack its client's answer");
            assertEquals(server, joined + unanswered + clientFirst);
            assertTrue(server >= ended && server <= marked.size(), "a server span for each marked request: " + server + " of "
                    + ended + " ended, " + marked.size() + " begun");
            assertEquals((long) server, figures.get("spans.apm_joined"));
            assertEquals(2L * ended + (marked.size() - ended), figures.get("apm.markers"));
            assertEquals(joined, clientTraces.keySet().stream().filter(t -> marked.stream().anyMatch(m -> m.traceId().equals(t)))
                    .count(), "each client span of a marked request is in the agent's trace, as the server span's parent");
            assertEquals((long) joined, figures.get("spans.joined"));
        }
    }
}
