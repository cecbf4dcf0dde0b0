package io.kindling.probe.converter.apm;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The events that Kindling's probe makes of its Java agent's markers (see {@link Marker}), with the
 * Kindling probe's names and attributes:
 * <ul>
 * <li>{@code java_futex_info} from {@code kd-jf@}: timestamp the wait's start, {@code end_time}
 * (UINT64) its end, {@code data} the marker's text;</li>
 * <li>{@code apm_trace_id_event} from {@code kd-txid@}: timestamp the write's, {@code trace_id},
 * {@code is_enter} ({@code 1} or {@code 0}), {@code protocol}, {@code url} (text);</li>
 * <li>{@code apm_span_event} from {@code kd-span@}: timestamp the span's start, {@code end_time}
 * (UINT64) the write's timestamp, {@code trace_id}, {@code span} (text).</li>
 * </ul>
 * A {@code kd-tm@} marker gives no event: it names a thread of the writing process, and from then on
 * that thread's events carry the name as {@code comm} (see {@link JavaThreadNameConverter}). The events
 * carry the writing thread, with its Java name when it has one, and no fd; their category is
 * {@code other} and their source {@code syscall_exit} (the write's).
 * <p>
 * The markers are writes to a file. While a sink subscribes to one of the three events (as Kindling's
 * probe reads them only while it profiles), every file write is read and its markers become events;
 * malformed ones are counted ({@code malformed}) and dropped; and a write that carries a marker, well
 * formed or not, is not delivered as a write. Otherwise marker writes are writes like any other.
 * <p>
 * Meanwhile a live capture keeps {@value #SNAPLEN} bytes of every I/O call (a marker carries the request's URL;
 * cut at the capture's default 80 bytes it would be malformed).
 */
@Component(service = Converter.class, property = {
        Converter.EVENTS + "=syscall_exit-write",
        Converter.FD_TYPES + "=file",
        Converter.EMITS + "=" + ApmMarkerConverter.EMITS,
        Converter.NEEDS + "=" + ApmMarkerConverter.NEEDS,
        Converter.NAME + "=apm",
        Converter.SNAPLEN + ":Integer=" + ApmMarkerConverter.SNAPLEN
})
public final class ApmMarkerConverter implements Converter {
    private static final System.Logger LOG = System.getLogger(ApmMarkerConverter.class.getName());

    public static final String FUTEX = "java_futex_info";
    public static final String TRACE = "apm_trace_id_event";
    public static final String SPAN = "apm_span_event";
    public static final String EMITS = FUTEX + "," + TRACE + "," + SPAN;
    /** File writes carry the markers; process and thread exits end the Java names of their threads. */
    public static final String NEEDS = "syscall_exit-write:file,tracepoint-procexit";
    private static final String PROCEXIT = "tracepoint-procexit";
    /** Bytes of each write a live capture keeps while the converter is active: the longest marker read whole. */
    public static final int SNAPLEN = 1024;

    private final JavaThreadNames names;
    private final AtomicLong markers = new AtomicLong();
    private final AtomicLong futexEvents = new AtomicLong();
    private final AtomicLong traceEvents = new AtomicLong();
    private final AtomicLong spanEvents = new AtomicLong();
    private final AtomicLong threadNames = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong withheld = new AtomicLong();
    private long malformedLogged;
    /** Whether a sink subscribes to one of the events: only then are markers read, and their writes withheld. */
    private volatile boolean active;

    @Activate
    public ApmMarkerConverter(@Reference JavaThreadNames names) {
        this.names = names;
    }

    @Override
    public void activeChanged(boolean active) {
        this.active = active;
    }

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        if (!active) {
            return;
        }
        int i = raw.paramIndex("data");
        if (i >= 0 && raw.paramLength(i) > 6 && raw.fdType().isFile()) {
            byte[] data = raw.paramBytes(i);
            if (Marker.prefix(data, data.length) != null) {
                event.withhold();
                withheld.incrementAndGet();
            }
        }
    }

    @Override
    public void observe(RawEvent raw, EventEmitter emitter) {
        if (PROCEXIT.equals(raw.name())) {
            if (raw.hasThread()) {
                names.exited(raw.pid(), raw.tid(), raw.vtid());
            }
            return;
        }
        if (!raw.hasFd() || !raw.fdType().isFile()) {
            return;
        }
        int i = raw.paramIndex("data");
        if (i < 0 || raw.paramLength(i) <= 6) {
            return;
        }
        byte[] data = raw.paramBytes(i);
        Marker m;
        try {
            m = Marker.parse(data, data.length);
        } catch (Marker.Malformed e) {
            markers.incrementAndGet();
            malformed.incrementAndGet();
            if (malformedLogged++ < 10) {
                LOG.log(Level.DEBUG, "malformed marker of thread " + raw.tid() + " dropped: " + e.getMessage());
            }
            return;
        }
        if (m == null) {
            return;
        }
        markers.incrementAndGet();
        switch (m.kind()) {
            case THREAD_NAME -> {
                names.put(raw.pid(), m.number(0), m.fields()[1]);
                threadNames.incrementAndGet();
            }
            case FUTEX -> {
                KindlingEvent e = event(FUTEX, raw, m.number(0));
                e.addAttribute(Attribute.ofLong("end_time", ValueType.UINT64, m.number(1)));
                e.addAttribute(Attribute.ofString("data", new String(data, StandardCharsets.UTF_8)));
                futexEvents.incrementAndGet();
                emitter.emit(e);
            }
            case TRACE -> {
                KindlingEvent e = event(TRACE, raw, raw.timestamp());
                e.addAttribute(Attribute.ofString("trace_id", m.fields()[0]));
                e.addAttribute(Attribute.ofString("is_enter", m.fields()[1]));
                e.addAttribute(Attribute.ofString("protocol", m.fields()[2]));
                e.addAttribute(Attribute.ofString("url", m.fields()[3]));
                traceEvents.incrementAndGet();
                emitter.emit(e);
            }
            case SPAN -> {
                long start = m.versioned() ? m.number(0) : raw.timestamp() - m.number(0);
                KindlingEvent e = event(SPAN, raw, start);
                e.addAttribute(Attribute.ofLong("end_time", ValueType.UINT64, raw.timestamp()));
                e.addAttribute(Attribute.ofString("trace_id", m.fields()[2]));
                e.addAttribute(Attribute.ofString("span", m.fields()[1]));
                spanEvents.incrementAndGet();
                emitter.emit(e);
            }
        }
    }

    private KindlingEvent event(String name, RawEvent raw, long timestamp) {
        ThreadContext thread = new ThreadContext(raw.pid(), raw.tid(), raw.uid(), raw.gid(), raw.comm(), raw.containerId(), raw.vpid(), raw.vtid());
        return new KindlingEvent(name, Category.OTHER, Source.SYSCALL_EXIT, timestamp, 0, names.rename(thread));
    }

    @Override
    public void end(EventEmitter emitter) {
        names.clear();
        malformedLogged = 0;
    }

    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("markers", markers.get());
        m.put(FUTEX, futexEvents.get());
        m.put(TRACE, traceEvents.get());
        m.put(SPAN, spanEvents.get());
        m.put("thread_names", threadNames.get());
        m.put("malformed", malformed.get());
        m.put("writes_withheld", withheld.get());
        m.put("names_kept", (long) names.size());
        m.put("names_evicted", names.evicted());
        return m;
    }
}
