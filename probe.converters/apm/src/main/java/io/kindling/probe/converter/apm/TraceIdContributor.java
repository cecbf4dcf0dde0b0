package io.kindling.probe.converter.apm;

import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Ties {@code cpu_event} intervals to the requests they served, as Kindling's cpu analyzer does with
 * the {@code apm_trace_id_event}s: a request runs on its thread from the write of its
 * {@code kd-txid@...!1!} marker to that of its {@code kd-txid@...!0!} marker (or on, while it has not
 * ended), and each on or off interval of the thread gets the {@code trace_id} of the request that
 * overlaps it the most, in its entry of {@code on_info} or {@code off_info}. Intervals that no request
 * overlaps get none.
 * <p>
 * Per thread at most {@link Config#max_requests()} ended requests are kept until the window they
 * overlap is made (a thread that serves more requests in one window loses the earliest ones' ids), for
 * at most {@link Config#max_threads()} threads (the least recently active thread is forgotten first).
 */
@Component(service = CpuContributor.class, configurationPid = TraceIdContributor.PID,
        property = CpuContributor.NAME + "=trace-id")
@Designate(ocd = TraceIdContributor.Config.class)
public final class TraceIdContributor implements CpuContributor {
    static final String PID = "io.kindling.probe.converter.apm.trace";

    @ObjectClassDefinition(name = "Kindling trace ids of CPU intervals")
    public @interface Config {
        @AttributeDefinition(name = "Requests kept per thread", min = "1")
        int max_requests() default 1024;

        @AttributeDefinition(name = "Threads kept at most", min = "16")
        int max_threads() default 4096;
    }

    /** One request on a thread; {@code end} is Long.MAX_VALUE while it runs. */
    private record Request(String traceId, long start, long end) {}

    private static final class Requests {
        final ArrayDeque<Request> ended = new ArrayDeque<>();
        Request open;
    }

    private final int maxRequests;
    private final Map<Long, Requests> threads;

    @Activate
    public TraceIdContributor(Config config) {
        this(config.max_requests(), config.max_threads());
    }

    public TraceIdContributor(int maxRequests, int maxThreads) {
        this.maxRequests = Math.max(1, maxRequests);
        int max = Math.max(1, maxThreads);
        this.threads = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Requests> eldest) {
                return size() > max;
            }
        };
    }

    @Override
    public void observe(RawEvent raw) {
        if (!"syscall_exit-write".equals(raw.name()) || !raw.hasFd() || !raw.fdType().isFile()) {
            return;
        }
        int i = raw.paramIndex("data");
        if (i < 0 || raw.paramLength(i) <= 8) {
            return;
        }
        byte[] data = raw.paramBytes(i);
        if (Marker.prefix(data, data.length) != Marker.Kind.TRACE) {
            return;
        }
        Marker m;
        try {
            m = Marker.parse(data, data.length);
        } catch (Marker.Malformed e) {
            return; // counted by the apm converter
        }
        String traceId = m.fields()[0];
        Requests r = threads.computeIfAbsent(raw.tid(), k -> new Requests());
        if ("1".equals(m.fields()[1])) {
            r.open = new Request(traceId, raw.timestamp(), Long.MAX_VALUE);
        } else if (r.open != null && r.open.traceId().equals(traceId)) {
            r.ended.addLast(new Request(traceId, r.open.start(), raw.timestamp()));
            r.open = null;
            while (r.ended.size() > maxRequests) {
                r.ended.removeFirst();
            }
        }
    }

    @Override
    public void describe(long tid, List<CpuInterval> intervals, CpuDetails details) {
        Requests r = threads.get(tid);
        if (r == null || intervals.isEmpty()) {
            return;
        }
        for (int i = 0; i < intervals.size(); i++) {
            CpuInterval iv = intervals.get(i);
            Request best = null;
            long most = 0;
            for (Request q : r.ended) {
                long o = overlap(q, iv);
                if (o > most) {
                    most = o;
                    best = q;
                }
            }
            if (r.open != null && overlap(r.open, iv) > most) {
                best = r.open;
            }
            if (best != null) {
                details.add(i, "trace_id", best.traceId());
            }
        }
        // later windows begin where this one ends: requests that ended before cannot overlap them
        long last = intervals.get(intervals.size() - 1).end();
        for (Iterator<Request> it = r.ended.iterator(); it.hasNext();) {
            if (it.next().end() <= last) {
                it.remove();
            }
        }
        if (r.open == null && r.ended.isEmpty()) {
            threads.remove(tid);
        }
    }

    private static long overlap(Request q, CpuInterval iv) {
        return Math.min(q.end(), iv.end()) - Math.max(q.start(), iv.start());
    }

    @Override
    public void threadEnded(long tid) {
        threads.remove(tid);
    }

    @Override
    public void clear() {
        threads.clear();
    }
}
