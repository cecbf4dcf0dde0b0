package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Each thread's on- and off-CPU time, from the scheduler's switch events, as Kindling's
 * {@code cpu_event}: one per thread per window of event time (and at thread exit, and at the end of
 * a capture), with {@code start_time}, {@code end_time}, {@code on_total_time}, {@code off_total_time},
 * {@code time_specs} (each interval's duration, u64 little-endian), {@code time_type} (each
 * interval's {@link CpuType}, one byte), {@code runq_latency} (u64 per off interval: its length when
 * the thread was preempted, that is inside no system call when it left the CPU, else 0, unknown),
 * {@code on_info} and {@code off_info} (JSON arrays, one object per on or off interval, filled by the
 * {@link CpuContributor} services) and {@code log} (what the thread wrote to its standard output and
 * error while on CPU, bounded).
 * <p>
 * An on interval runs from a switch to the thread on a CPU to the next switch on that CPU, which must
 * switch the thread out; an off interval from the switch out to the next switch in. An off interval
 * is typed by the system call the thread was inside when it left the CPU, and that call's fd. A
 * thread's timeline starts at its first switch and ends at its last; when the switches of a thread or
 * a CPU do not fit together (events missed), what the thread holds is emitted and its timeline starts
 * again. Intervals are cut at window boundaries; a window is emitted when the thread next leaves the
 * CPU after it, so that the system call it was waiting in has returned and can be described.
 */
@Component(service = Converter.class, configurationPid = CpuConverter.PID)
@ConverterService(name = "cpu", emits = CpuConverter.EMITS, needs = CpuConverter.NEEDS,
        needs_threadless = CpuConverter.NEEDS_THREADLESS)
@Designate(ocd = CpuConverter.Config.class)
public final class CpuConverter implements Converter {
    static final String PID = "io.kindling.probe.converter.cpu";

    public static final String EMITS = "cpu_event";
    /** Every system call's entry and exit types the off intervals, and the contributors read them too. */
    public static final String NEEDS = "all";
    /** The idle task's switches carry no thread information; they switch threads in. */
    public static final String NEEDS_THREADLESS = "tracepoint-sched_switch";

    private static final String SWITCH = "tracepoint-sched_switch";
    private static final String PROCEXIT = "tracepoint-procexit";
    private static final String ENTER = "syscall_enter-";
    private static final String EXIT = "syscall_exit-";

    @ObjectClassDefinition(name = "Kindling CPU converter")
    public @interface Config {
        @AttributeDefinition(name = "Window (ms of event time)", min = "1",
                description = "A cpu_event covers at most one window of each thread")
        long window_ms() default 1000;

        @AttributeDefinition(name = "Threads kept at most", min = "16",
                description = "Threads followed at once; beyond it the least recently seen one is emitted and let go")
        int max_threads() default 65536;

        @AttributeDefinition(name = "Intervals per event at most", min = "2",
                description = "A thread that switches more often in one window gives several cpu_events for it")
        int max_intervals() default 4096;

        @AttributeDefinition(name = "Log bytes per event at most", min = "0")
        int max_log_bytes() default 16384;

        @AttributeDefinition(name = "Whole windows of one interval at most", min = "0",
                description = "An on or off interval that covers more whole windows (a thread asleep for long, a jump in"
                        + " event time) gives its first and last windows only; the windows between are counted as"
                        + " windows_skipped")
        long max_spanned_windows() default DEFAULT_MAX_SPANNED;
    }

    // event loop thread only; a new configuration is taken at a point where the converter holds nothing
    private long windowNanos;
    private int maxThreads;
    private int maxIntervals;
    private int maxLogBytes;
    private long maxSpanned;
    /** A configuration that Configuration Admin gave, not taken yet. */
    private volatile Config pending;

    private final Contributors contributors = new Contributors();
    private final Map<Long, ThreadTimeline> threads;
    /** The thread each CPU last switched to (-1: none seen). */
    private long[] onCpu = new long[0];
    private EventEmitter emitter = e -> {};

    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong breaks = new AtomicLong();
    /** Switches back onto a CPU that were not seen, told by an event of the thread while it was off. */
    private final AtomicLong inferred = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong logTruncated = new AtomicLong();
    private final AtomicLong skippedWindows = new AtomicLong();
    private volatile int tracked;

    /** Whole windows an interval may cover and still give one event per window: a minute of 1 s windows. */
    static final long DEFAULT_MAX_SPANNED = 60;

    @Activate
    public CpuConverter(Config config) {
        this(config.window_ms() * 1_000_000L, config.max_threads(), config.max_intervals(), config.max_log_bytes(),
                config.max_spanned_windows());
    }

    public CpuConverter(long windowNanos, int maxThreads, int maxIntervals, int maxLogBytes) {
        this(windowNanos, maxThreads, maxIntervals, maxLogBytes, DEFAULT_MAX_SPANNED);
    }

    public CpuConverter(long windowNanos, int maxThreads, int maxIntervals, int maxLogBytes, long maxSpannedWindows) {
        set(windowNanos, maxThreads, maxIntervals, maxLogBytes, maxSpannedWindows);
        this.threads = new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ThreadTimeline> eldest) {
                if (size() <= CpuConverter.this.maxThreads) {
                    return false;
                }
                evicted.incrementAndGet();
                letGo(eldest.getValue());
                return true;
            }
        };
    }

    private void set(long windowNanos, int maxThreads, int maxIntervals, int maxLogBytes, long maxSpannedWindows) {
        this.maxSpanned = Math.max(0, maxSpannedWindows);
        this.windowNanos = Math.max(1, windowNanos);
        this.maxThreads = Math.max(1, maxThreads);
        this.maxIntervals = Math.max(2, maxIntervals);
        this.maxLogBytes = Math.max(0, maxLogBytes);
    }

    /**
     * A new configuration does not cut the windows in progress: it is taken when the converter holds no
     * thread (at the end of a run, or before its first event), so that a run is cut one way throughout.
     */
    @Modified
    void modified(Config config) {
        pending = config;
    }

    /** Takes the pending configuration; only where no thread is held. */
    private void takePending() {
        Config c = pending;
        if (c != null) {
            pending = null;
            set(c.window_ms() * 1_000_000L, c.max_threads(), c.max_intervals(), c.max_log_bytes(), c.max_spanned_windows());
        }
    }

    // ---- contributors (whiteboard)

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void addContributor(CpuContributor contributor, Map<String, Object> properties) {
        contributors.add(contributor, properties);
    }

    public void removeContributor(CpuContributor contributor) {
        contributors.remove(contributor);
    }

    // ---- converter

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        // this converter only observes what it needs
    }

    @Override
    public void observe(RawEvent raw, EventEmitter emitter) {
        if (pending != null && threads.isEmpty()) {
            takePending();
        }
        this.emitter = emitter;
        contributors.observe(raw);
        String name = raw.name();
        if (name.equals(SWITCH)) {
            schedSwitch(raw);
        } else if (raw.hasThread() && raw.tid() != 0) {
            if (name.startsWith(ENTER)) {
                running(raw).entered(name.substring(ENTER.length()), raw);
            } else if (name.startsWith(EXIT)) {
                running(raw).exited(raw);
            } else if (name.equals(PROCEXIT)) {
                ThreadTimeline t = threads.get(raw.tid());
                if (t != null) {
                    t.exiting(); // let go at its last switch out
                } else {
                    contributors.threadEnded(raw.tid());
                }
            }
        }
        tracked = threads.size();
    }

    @Override
    public void end(EventEmitter emitter) {
        this.emitter = emitter;
        for (ThreadTimeline t : new ArrayList<>(threads.values())) {
            t.finish();
            emitComplete(t);
        }
        threads.clear();
        onCpu = new long[0];
        tracked = 0;
        contributors.clear();
        takePending();
    }

    @Override
    public Map<String, Long> statistics() {
        return Map.of("threads", (long) tracked, "events", emitted.get(), "breaks", breaks.get(), "evicted", evicted.get(),
                "log_truncated", logTruncated.get(), "contributors", (long) contributors.size(), "switch_ins_inferred",
                inferred.get(), "windows_skipped", skippedWindows.get());
    }

    // ---- the timelines

    /** The timeline of the thread of a system call event, which shows the thread on a CPU. */
    private ThreadTimeline running(RawEvent raw) {
        ThreadTimeline t = thread(raw.tid());
        if (t.seenRunning(raw.timestamp(), raw.cpu())) {
            inferred.incrementAndGet();
        }
        return t;
    }

    private ThreadTimeline thread(long tid) {
        ThreadTimeline t = threads.get(tid);
        if (t == null) {
            t = new ThreadTimeline(tid, windowNanos, maxIntervals, maxSpanned, skippedWindows);
            threads.put(tid, t);
        }
        return t;
    }

    private void schedSwitch(RawEvent raw) {
        long ts = raw.timestamp();
        int cpu = raw.cpu();
        long prev = raw.tid();
        int ni = raw.paramIndex("next");
        if (ni < 0) {
            return;
        }
        long next = raw.paramAsLong(ni);
        // A switch without a CPU (cpu -1: a source that does not tell) speaks only of its two
        // threads, and missed switches are found per thread (switched in while on, out while off),
        // not by what the CPU ran before. Its intervals have CPU -1.
        if (cpu >= 0) {
            cpuRuns(cpu, prev, next);
        }
        if (prev > 0) {
            ThreadTimeline p = thread(prev);
            if (raw.hasThread()) {
                p.context(raw);
            }
            switchOut(p, ts, cpu);
        }
        if (next > 0 && next != prev) {
            ThreadTimeline n = thread(next);
            if (!n.switchedIn(ts, cpu)) {
                broken(n); // switched in while on a CPU: its switch out was missed
            }
        }
    }

    /** {@code next} runs on {@code cpu} now; a thread still on it other than {@code prev} missed its switch out. */
    private void cpuRuns(int cpu, long prev, long next) {
        if (cpu >= onCpu.length) {
            int old = onCpu.length;
            onCpu = Arrays.copyOf(onCpu, Math.max(cpu + 1, old * 2));
            Arrays.fill(onCpu, old, onCpu.length, -1);
        }
        long before = onCpu[cpu];
        if (before > 0 && before != prev) {
            // the switch that took `before` off this CPU was not seen
            ThreadTimeline x = threads.get(before);
            if (x != null && x.isOn(cpu)) {
                x.broke();
                broken(x);
            }
        }
        onCpu[cpu] = next;
    }

    private void switchOut(ThreadTimeline p, long ts, int cpu) {
        if (!p.switchedOut(ts, cpu)) {
            breaks.incrementAndGet(); // switched out while off, or from another CPU: switches were missed
        }
        if (p.isExiting()) {
            threads.remove(p.tid);
            letGo(p);
        } else {
            emitComplete(p);
        }
    }

    /** The timeline broke: what it held is emitted. */
    private void broken(ThreadTimeline t) {
        breaks.incrementAndGet();
        emitComplete(t);
    }

    /** The thread exited or is evicted: what it holds is emitted and the contributors free it. */
    private void letGo(ThreadTimeline t) {
        t.finish();
        emitComplete(t);
        contributors.threadEnded(t.tid);
    }

    private void emitComplete(ThreadTimeline t) {
        for (IntervalList window = t.nextComplete(); window != null; window = t.nextComplete()) {
            emit(t, window);
        }
    }

    private void emit(ThreadTimeline t, IntervalList window) {
        if (window.size() == 0) {
            return;
        }
        WindowDetails details = new WindowDetails(t.tid, window.intervals(), maxLogBytes);
        contributors.describe(details);
        if (details.truncated()) {
            logTruncated.incrementAndGet();
        }
        emitted.incrementAndGet();
        emitter.emit(details.toEvent(EMITS, t.context()));
    }
}
