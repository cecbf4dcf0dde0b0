package io.kindling.probe.sink.otlp;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The traces of Kindling's Java agent, as the apm converter tells them ({@code apm_trace_id_event}: a thread writes its
 * request's trace id when the request starts, {@code is_enter} 1, and when it ends, 0), so that the requests a thread
 * served or made meanwhile join that trace. A request belongs to the trace of its thread (same process and thread)
 * whose time overlaps its own the most: a server's request is read before the agent's start marker and answered before
 * its end marker; the calls the handler makes lie within. Per thread, the open trace and at most {@value #MAX_ENDED}
 * ended ones are kept (a request's event may come after its trace's end marker), for at most {@value #MAX_THREADS}
 * threads, the least recently used forgotten first; an ended trace is kept {@value #KEEP_NANOS} ns after its end, by
 * the events' clock.
 * <p>
 * Each joined trace on a thread names one span id for the request the thread served in it (its server span), which
 * the calls made meanwhile on that thread take as their parent; a call sampled there makes that server span sampled
 * too, so that the parent it names comes. Called from the sink's delivery thread only.
 */
final class ApmTraces {

    static final String EVENT = "apm_trace_id_event";
    static final int MAX_THREADS = 4096;
    static final int MAX_ENDED = 16;
    static final long KEEP_NANOS = 30_000_000_000L;

    /** One request of the Java agent on a thread: {@code end} is Long.MAX_VALUE while it runs. */
    static final class Trace {
        final String agentId;
        final String traceId;
        final String serverSpanId;
        final long start;
        long end = Long.MAX_VALUE;
        /** A call made in it was sampled: its server span must be, too. */
        boolean childSampled;
        /** The request the thread served in it came; whether its span was made. */
        boolean served;
        boolean serverSampled;

        Trace(String agentId, long start, String serverSpanId) {
            this.agentId = agentId;
            this.traceId = traceId(agentId);
            this.start = start;
            this.serverSpanId = serverSpanId;
        }
    }

    private static final class Threads {
        Trace open;
        final ArrayDeque<Trace> ended = new ArrayDeque<>();
    }

    private final Map<Long, Threads> threads = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Threads> eldest) {
            return size() > MAX_THREADS;
        }
    };
    private volatile long markers;

    /** Takes an {@code apm_trace_id_event}. */
    void observe(KindlingEvent e, java.util.function.Supplier<String> spanIds) {
        if (e.thread() == null) {
            return;
        }
        Attribute id = e.attribute("trace_id");
        Attribute enter = e.attribute("is_enter");
        if (id == null || id.value() == null || enter == null || String.valueOf(id.value()).isEmpty()) {
            return;
        }
        markers++;
        String agentId = String.valueOf(id.value());
        Threads t = threads.computeIfAbsent(key(e.thread().pid(), e.thread().tid()), k -> new Threads());
        if ("1".equals(String.valueOf(enter.value()))) {
            if (t.open != null) {
                end(t, t.open, e.timestamp()); // a start without the end of the one before: that one ended here
            }
            t.open = new Trace(agentId, e.timestamp(), spanIds.get());
        } else if (t.open != null && t.open.agentId.equals(agentId)) {
            end(t, t.open, e.timestamp());
            t.open = null;
        }
    }

    private static void end(Threads t, Trace trace, long at) {
        trace.end = at;
        t.ended.addLast(trace);
        while (t.ended.size() > MAX_ENDED) {
            t.ended.removeFirst();
        }
    }

    /** The trace of {@code r}'s thread that overlaps it the most, or null. */
    Trace find(NetRequest r) {
        if (threads.isEmpty()) {
            return null;
        }
        Threads t = threads.get(key(r.pid(), r.tid()));
        if (t == null) {
            return null;
        }
        Trace best = null;
        long most = -1;
        for (Iterator<Trace> it = t.ended.iterator(); it.hasNext();) {
            Trace q = it.next();
            if (q.end + KEEP_NANOS < r.startNanos()) {
                it.remove();
                continue;
            }
            long o = overlap(q, r);
            if (o > most) {
                most = o;
                best = q;
            }
        }
        if (t.open != null && overlap(t.open, r) > most) {
            best = t.open;
            most = overlap(t.open, r);
        }
        return most > 0 || (most == 0 && r.totalNanos() == 0) ? best : null;
    }

    /** How long {@code r} and {@code q} share; 0 when they only touch; negative when apart. */
    private static long overlap(Trace q, NetRequest r) {
        return Math.min(q.end, r.endNanos()) - Math.max(q.start, r.startNanos());
    }

    /** The agent's trace id markers taken. */
    long markers() {
        return markers;
    }

    private static long key(long pid, long tid) {
        return pid << 32 | tid & 0xFFFFFFFFL;
    }

    /**
     * The OpenTelemetry trace id of an agent's trace id: the id itself when it is one (32 hex digits, not all zero),
     * else the first 16 bytes of its SHA-256 (the agent's ids of other forms: every span of one id in one trace).
     */
    static String traceId(String agentId) {
        String lower = agentId.toLowerCase(Locale.ROOT);
        if (lower.length() == 32 && lower.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                && !lower.equals("0".repeat(32))) {
            return lower;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(agentId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
