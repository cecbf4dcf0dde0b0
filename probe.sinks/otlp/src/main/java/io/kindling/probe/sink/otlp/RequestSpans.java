package io.kindling.probe.sink.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Which requests become spans, and the spans they become. Sampled as Kindling's collector samples: every slow
 * request and every failed one (each can be turned off), and {@code rate} of the others (0 to 1).
 * <p>
 * A client span and the server span of the same request on this host (same connection, the server's times
 * inside the client's; on an HTTP/2 connection, which carries requests at once, also the same method and path, and
 * on a DNS socket, which glibc's resolver uses for a name's A and AAAA queries at once, the same query id)
 * become parent and child in one trace, whichever of the two events comes first: the
 * first one to be sampled names the pair's trace and the client span's id, and the second one, sampled too
 * then, takes them. The server side only waits for its client when the client's address is this host's
 * (loopback or one of its interfaces' addresses), so that a server span never names a parent that cannot
 * come. At most {@value #MAX_CONNECTIONS} connections with {@value #MAX_PENDING} requests each wait for
 * their other side, the least recently used forgotten beyond.
 * <p>
 * A request that a thread served or made while Kindling's Java agent had marked it as serving a request joins the
 * agent's trace instead ({@link ApmTraces}). Called from the sink's delivery thread only.
 */
final class RequestSpans {

    static final int MAX_CONNECTIONS = 4096;
    static final int MAX_PENDING = 16;
    /** A side that did not come within this time after its request ended (by the events' clock) is forgotten. */
    static final long PENDING_NANOS = 30_000_000_000L;

    /** One side of a request whose other side may still come. */
    private record Pending(String traceId, String clientSpanId, long start, long end, boolean server, String call) {}

    private final boolean slow;
    private final boolean failed;
    private final double rate;
    private final DoubleSupplier random;
    private final Resource resource;
    private final InstrumentationScopeInfo scope;
    private final Set<String> localAddresses;
    private final Map<String, ArrayDeque<Pending>> pending = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Pending>> eldest) {
            return size() > MAX_CONNECTIONS;
        }
    };
    private final ApmTraces apm = new ApmTraces();
    /** Written by the delivery thread only, read by any. */
    private volatile long joined;
    private volatile long apmJoined;

    RequestSpans(boolean slow, boolean failed, double rate, Resource resource, InstrumentationScopeInfo scope) {
        this(slow, failed, rate, () -> ThreadLocalRandom.current().nextDouble(), resource, scope, interfaceAddresses());
    }

    RequestSpans(boolean slow, boolean failed, double rate, DoubleSupplier random, Resource resource, InstrumentationScopeInfo scope,
            Set<String> localAddresses) {
        this.slow = slow;
        this.failed = failed;
        this.rate = Math.max(0, Math.min(1, rate));
        this.random = random;
        this.resource = resource;
        this.scope = scope;
        this.localAddresses = Set.copyOf(localAddresses);
    }

    boolean sampled(NetRequest r) {
        return (slow && r.slow()) || (failed && r.error()) || (rate > 0 && random.getAsDouble() < rate);
    }

    /** Takes a trace id marker of the Java agent ({@code apm_trace_id_event}). */
    void observeApm(io.kindling.probe.api.KindlingEvent e) {
        apm.observe(e, RequestSpans::spanId);
    }

    /** The span of {@code r}, or null when it is not sampled. */
    RequestSpan span(NetRequest r) {
        ApmTraces.Trace agentTrace = apm.find(r);
        if (agentTrace != null) {
            return inApmTrace(r, agentTrace);
        }
        boolean sampled = sampled(r);
        String trace;
        String id;
        String parent = null;
        Pending other = take(r);
        if (r.server()) {
            id = spanId();
            if (other != null) {
                // the client came first and was sampled: the server joins it
                trace = other.traceId();
                parent = other.clientSpanId();
                joined++;
            } else if (!sampled) {
                return null;
            } else {
                trace = traceId();
                if (isLocal(r.clientAddress()) && pairable(r)) {
                    parent = spanId();
                    put(r, new Pending(trace, parent, r.startNanos(), r.endNanos(), true, call(r)));
                }
            }
        } else if (other != null) {
            // the server came first, sampled, and named this span as its parent
            trace = other.traceId();
            id = other.clientSpanId();
            joined++;
        } else if (!sampled) {
            return null;
        } else {
            trace = traceId();
            id = spanId();
            if (isLocal(r.serverAddress()) && pairable(r)) {
                put(r, new Pending(trace, id, r.startNanos(), r.endNanos(), false, call(r)));
            }
        }
        return make(r, trace, id, parent, attributes(r));
    }

    /**
     * The span of a request in a trace of the Java agent: that trace's id; the request the thread served has the span
     * id the trace named for it, and the calls made meanwhile on the thread are its children. Sampled as the others,
     * and the served request also when one of its calls was. A local client whose event comes after the served
     * request's is its parent, in the agent's trace, as between any client and server of one connection.
     */
    private RequestSpan inApmTrace(NetRequest r, ApmTraces.Trace trace) {
        boolean sampled = sampled(r);
        String id;
        String parent = null;
        if (r.server() && !trace.served) {
            trace.served = true;
            // a local client that came first and was sampled has a trace of its own: it is no parent here
            Pending client = take(r);
            if (!sampled && !trace.childSampled) {
                return null;
            }
            trace.serverSampled = true;
            id = trace.serverSpanId;
            if (client == null && isLocal(r.clientAddress()) && pairable(r)) {
                // the local client's span, still to come, is the parent, in the agent's trace
                parent = spanId();
                put(r, new Pending(trace.traceId, parent, r.startNanos(), r.endNanos(), true, call(r)));
            }
        } else {
            if (!sampled) {
                return null;
            }
            id = spanId();
            if (!r.server() && (!trace.served || trace.serverSampled)) {
                parent = trace.serverSpanId;
                trace.childSampled = true;
            }
        }
        apmJoined++;
        Attributes attributes = attributes(r).toBuilder().put("kindling.apm.trace_id", trace.agentId).build();
        return make(r, trace.traceId, id, parent, attributes);
    }

    private RequestSpan make(NetRequest r, String trace, String id, String parent, Attributes attributes) {
        SpanContext context = SpanContext.create(trace, id, TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext parentContext = parent == null ? SpanContext.getInvalid()
                : SpanContext.create(trace, parent, TraceFlags.getSampled(), TraceState.getDefault());
        return new RequestSpan(Semconv.spanName(r), r.server() ? SpanKind.SERVER : SpanKind.CLIENT, context, parentContext,
                status(r), r.startNanos(), r.endNanos(), attributes, scope, resource);
    }

    /** Spans that joined a trace of the Java agent. */
    long apmJoined() {
        return apmJoined;
    }

    /** The Java agent's trace id markers taken. */
    long apmMarkers() {
        return apm.markers();
    }

    /** Spans that found their other side. */
    long joined() {
        return joined;
    }

    /** Connections with a side waiting for the other. */
    int waiting() {
        return pending.size();
    }

    /** Error when the request failed; a server's 4xx response is the client's error, not the server's. */
    static StatusData status(NetRequest r) {
        if (r.http() && r.server() && !r.failedExchange() && r.status() >= 400 && r.status() < 500) {
            return StatusData.unset();
        }
        if (r.protocol().equals("grpc") && !r.failedExchange() && r.grpcStatus() > 0) {
            // the status alone tells: a server's NOT_FOUND is the client's error, not the server's
            return Semconv.grpcFailed(r) ? StatusData.create(StatusCode.ERROR, Semconv.grpcStatusName(r.grpcStatus()))
                    : StatusData.unset();
        }
        if (r.error() || r.failedExchange()) {
            String type = Semconv.errorType(r);
            return StatusData.create(StatusCode.ERROR, type.isEmpty() ? r.errorType() : type);
        }
        return StatusData.unset();
    }

    static Attributes attributes(NetRequest r) {
        AttributesBuilder b = Attributes.builder();
        Semconv.Metric metric = Semconv.metric(r);
        String[] values = Semconv.values(metric, r);
        List<Semconv.Label> labels = metric.labels;
        for (int i = 0; i < labels.size(); i++) {
            if (!values[i].isEmpty()) {
                if (labels.get(i).numeric()) {
                    b.put(AttributeKey.longKey(labels.get(i).name()), Long.parseLong(values[i]));
                } else {
                    b.put(labels.get(i).name(), values[i]);
                }
            }
        }
        if (metric != Semconv.Metric.KINDLING) {
            b.put("kindling.protocol", r.protocol());
        }
        put(b, "url.path", r.url());
        put(b, "db.query.text", r.sql());
        put(b, "network.transport", r.transport());
        put(b, "client.address", r.clientAddress());
        if (r.clientPort() >= 0) {
            b.put(AttributeKey.longKey("client.port"), r.clientPort());
        }
        put(b, "process.executable.name", r.comm());
        b.put(AttributeKey.longKey("process.pid"), r.pid());
        b.put(AttributeKey.longKey("thread.id"), r.tid());
        b.put(AttributeKey.longKey("kindling.request.bytes"), r.requestBytes());
        b.put(AttributeKey.longKey("kindling.response.bytes"), r.responseBytes());
        b.put(AttributeKey.booleanKey("kindling.is_slow"), r.slow());
        put(b, "kindling.error_type", r.errorType());
        return b.build();
    }

    private static void put(AttributesBuilder b, String key, String value) {
        if (!value.isEmpty()) {
            b.put(key, value);
        }
    }

    /** The other side of {@code r} if it came first: same connection, the server's times inside the client's. */
    private Pending take(NetRequest r) {
        if (pending.isEmpty()) {
            return null;
        }
        ArrayDeque<Pending> sides = pending.get(r.connection());
        if (sides == null) {
            return null;
        }
        Pending found = null;
        for (Iterator<Pending> it = sides.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (p.end() + PENDING_NANOS < r.startNanos()) {
                it.remove();
            } else if (found == null && p.server() != r.server() && contains(r, p)) {
                found = p;
                it.remove();
            }
        }
        if (sides.isEmpty()) {
            pending.remove(r.connection());
        }
        return found;
    }

    private static boolean contains(NetRequest r, Pending p) {
        if (multiplexed(r) && (p.call().isEmpty() || !p.call().equals(call(r)))) {
            return false; // concurrent exchanges share the connection: only the same call is the other side
        }
        return r.server() ? p.start() <= r.startNanos() && r.endNanos() <= p.end()
                : r.startNanos() <= p.start() && p.end() <= r.endNanos();
    }

    /** Whether the other side can be told: on an HTTP/2 connection, only a request whose method and path were seen; on a
     * DNS socket, only a query whose id was read. */
    private static boolean pairable(NetRequest r) {
        return !multiplexed(r) || !call(r).isEmpty();
    }

    /** HTTP/2 and gRPC carry concurrent requests on one connection, and a DNS socket concurrent queries. */
    private static boolean multiplexed(NetRequest r) {
        return r.protocol().equals("http2") || r.protocol().equals("grpc") || r.protocol().equals("dns");
    }

    /**
     * What a multiplexed request asked: {@code METHOD PATH} on HTTP/2, {@code ID DOMAIN} on DNS; empty where its headers
     * went unseen.
     */
    private static String call(NetRequest r) {
        if (r.protocol().equals("dns")) {
            return r.dnsId() < 0 ? "" : r.dnsId() + " " + r.dnsDomain();
        }
        return !multiplexed(r) || r.method().isEmpty() || r.url().isEmpty() ? "" : r.method() + ' ' + r.url();
    }

    private void put(NetRequest r, Pending p) {
        ArrayDeque<Pending> sides = pending.computeIfAbsent(r.connection(), k -> new ArrayDeque<>());
        if (sides.size() >= MAX_PENDING) {
            sides.removeFirst();
        }
        sides.addLast(p);
    }

    boolean isLocal(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.startsWith("::ffff:127.")
                || localAddresses.contains(address);
    }

    private static Set<String> interfaceAddresses() {
        Set<String> addresses = new HashSet<>();
        try {
            for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    String text = a.getHostAddress();
                    int zone = text.indexOf('%');
                    addresses.add(zone < 0 ? text : text.substring(0, zone));
                }
            }
        } catch (Exception e) {
            // no interfaces listed: loopback alone counts as this host
        }
        return addresses;
    }

    private static String traceId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong();
        long low = random.nextLong();
        return hex(high == 0 && low == 0 ? 1 : high) + hex(low);
    }

    private static String spanId() {
        long id = ThreadLocalRandom.current().nextLong();
        return hex(id == 0 ? 1 : id);
    }

    private static String hex(long value) {
        String h = Long.toHexString(value);
        return "0".repeat(16 - h.length()) + h;
    }
}
