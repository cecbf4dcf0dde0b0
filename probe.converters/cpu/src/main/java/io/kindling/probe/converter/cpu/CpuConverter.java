package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
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
    private static final System.Logger LOG = System.getLogger(CpuConverter.class.getName());

    public static final String EMITS = "cpu_event";
    /** Every system call's entry and exit types the off intervals, and the contributors read them too. */
    public static final String NEEDS = "all";
    /** The idle task's switches carry no thread information; they switch threads in. */
    public static final String NEEDS_THREADLESS = "tracepoint-sched_switch";

    private static final String SWITCH = "tracepoint-sched_switch";
    private static final String PROCEXIT = "tracepoint-procexit";
    private static final String ENTER = "syscall_enter-";
    private static final String EXIT = "syscall_exit-";

    private static final Set<String> SLEEPS = Set.of("nanosleep", "clock_nanosleep", "pause", "sigsuspend", "rt_sigsuspend",
            "rt_sigtimedwait", "sigtimedwait");
    private static final Set<String> WAITS = Set.of("epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select",
            "pselect6", "_newselect");

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
    }

    private final long windowNanos;
    private final int maxThreads;
    private final int maxIntervals;
    private final int maxLogBytes;

    private volatile CpuContributor[] contributors = new CpuContributor[0];
    /** Each contributor's ranking, name and service id: the order they describe in, whatever order they come in. */
    private final Map<CpuContributor, Object[]> ranking = new HashMap<>();

    private final Map<Long, ThreadTimeline> threads;
    /** The thread each CPU last switched to (-1: none seen). */
    private long[] onCpu = new long[0];
    private EventEmitter emitter = e -> {};

    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong breaks = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong logTruncated = new AtomicLong();
    private volatile int tracked;

    @Activate
    public CpuConverter(Config config) {
        this(config.window_ms() * 1_000_000L, config.max_threads(), config.max_intervals(), config.max_log_bytes());
    }

    public CpuConverter(long windowNanos, int maxThreads, int maxIntervals, int maxLogBytes) {
        this.windowNanos = Math.max(1, windowNanos);
        this.maxThreads = Math.max(1, maxThreads);
        this.maxIntervals = Math.max(2, maxIntervals);
        this.maxLogBytes = Math.max(0, maxLogBytes);
        this.threads = new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ThreadTimeline> eldest) {
                if (size() <= CpuConverter.this.maxThreads) {
                    return false;
                }
                evicted.incrementAndGet();
                ThreadTimeline t = eldest.getValue();
                emitAll(t);
                ended(t.tid);
                return true;
            }
        };
    }

    // ---- contributors (whiteboard)

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public synchronized void addContributor(CpuContributor contributor, Map<String, Object> properties) {
        Object r = properties.get("service.ranking");
        Object n = properties.get(CpuContributor.NAME);
        Object id = properties.get("service.id");
        ranking.put(contributor, new Object[] {r instanceof Integer i ? i : 0, n != null ? n.toString() : contributor.getClass().getName(),
                id instanceof Long l ? l : 0L});
        sortContributors();
    }

    public synchronized void removeContributor(CpuContributor contributor) {
        ranking.remove(contributor);
        sortContributors();
    }

    private void sortContributors() {
        CpuContributor[] a = ranking.keySet().toArray(new CpuContributor[0]);
        Arrays.sort(a, (x, y) -> {
            Object[] rx = ranking.get(x);
            Object[] ry = ranking.get(y);
            int c = Integer.compare((Integer) ry[0], (Integer) rx[0]);
            c = c != 0 ? c : ((String) rx[1]).compareTo((String) ry[1]);
            return c != 0 ? c : Long.compare((Long) rx[2], (Long) ry[2]);
        });
        contributors = a;
    }

    // ---- converter

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        // this converter only observes what it needs
    }

    @Override
    public void observe(RawEvent raw, EventEmitter emitter) {
        this.emitter = emitter;
        CpuContributor[] cs = contributors;
        for (CpuContributor c : cs) {
            try {
                c.observe(raw);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cpu contributor " + c + " failed on " + raw.name() + ": " + e);
            }
        }
        String name = raw.name();
        if (name.equals(SWITCH)) {
            schedSwitch(raw);
        } else if (raw.hasThread() && raw.tid() != 0) {
            if (name.startsWith(ENTER)) {
                ThreadTimeline t = thread(raw.tid());
                t.context(raw);
                t.syscallKnown = true;
                t.inside = true;
                t.syscall = name.substring(ENTER.length());
                t.fd = raw.hasFd() ? raw.fdNum() : -1;
                t.fdName = raw.hasFd() ? raw.fdName() : "";
                t.fdType = raw.hasFd() ? raw.fdType() : null;
            } else if (name.startsWith(EXIT)) {
                ThreadTimeline t = thread(raw.tid());
                t.context(raw);
                t.syscallKnown = true;
                t.inside = false;
            } else if (name.equals(PROCEXIT)) {
                ThreadTimeline t = threads.get(raw.tid());
                if (t != null) {
                    t.exiting = true; // let go at its last switch out
                } else {
                    ended(raw.tid());
                }
            }
        }
        tracked = threads.size();
    }

    @Override
    public void end(EventEmitter emitter) {
        this.emitter = emitter;
        for (ThreadTimeline t : new ArrayList<>(threads.values())) {
            emitAll(t);
        }
        threads.clear();
        onCpu = new long[0];
        tracked = 0;
        for (CpuContributor c : contributors) {
            try {
                c.clear();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cpu contributor " + c + " failed to clear: " + e);
            }
        }
    }

    @Override
    public Map<String, Long> statistics() {
        return Map.of("threads", (long) tracked, "events", emitted.get(), "breaks", breaks.get(), "evicted", evicted.get(),
                "log_truncated", logTruncated.get(), "contributors", (long) contributors.length);
    }

    // ---- the timeline

    private ThreadTimeline thread(long tid) {
        ThreadTimeline t = threads.get(tid);
        if (t == null) {
            t = new ThreadTimeline(tid);
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
        if (cpu >= onCpu.length) {
            int old = onCpu.length;
            onCpu = Arrays.copyOf(onCpu, Math.max(cpu + 1, old * 2));
            Arrays.fill(onCpu, old, onCpu.length, -1);
        }
        long before = onCpu[cpu];
        if (before > 0 && before != prev) {
            // the switch that took `before` off this CPU was not seen
            ThreadTimeline x = threads.get(before);
            if (x != null && x.state == ThreadTimeline.ON && x.cpu == cpu) {
                breakTimeline(x);
            }
        }
        onCpu[cpu] = next;
        if (prev > 0) {
            ThreadTimeline p = thread(prev);
            if (raw.hasThread()) {
                p.context(raw);
            }
            switchOut(p, ts, cpu);
        }
        if (next > 0 && next != prev) {
            switchIn(thread(next), ts, cpu);
        }
    }

    private void switchOut(ThreadTimeline p, long ts, int cpu) {
        if (p.state == ThreadTimeline.ON && p.cpu == cpu) {
            add(p, p.since, ts, CpuType.ON, cpu, false, null, -1, null);
        } else if (p.state != ThreadTimeline.UNKNOWN) {
            breakTimeline(p); // switched out while off, or from another CPU: switches were missed
        }
        p.state = ThreadTimeline.OFF;
        p.since = ts;
        p.cpu = cpu;
        p.offSyscall = p.inside ? p.syscall : null;
        p.offFd = p.inside ? p.fd : -1;
        p.offFdName = p.inside ? p.fdName : "";
        p.offPreempted = p.syscallKnown && !p.inside;
        p.offType = offType(p);
        if (p.exiting) {
            emitAll(p);
            threads.remove(p.tid);
            ended(p.tid);
        } else {
            while (!p.completed.isEmpty()) {
                emit(p, p.completed.poll());
            }
        }
    }

    private void switchIn(ThreadTimeline n, long ts, int cpu) {
        if (n.state == ThreadTimeline.OFF) {
            add(n, n.since, ts, n.offType, n.cpu, n.offPreempted, n.offSyscall, n.offFd, n.offFdName);
        } else if (n.state == ThreadTimeline.ON) {
            breakTimeline(n); // switched in while on a CPU: its switch out was missed
        }
        n.state = ThreadTimeline.ON;
        n.since = ts;
        n.cpu = cpu;
    }

    /** How an off interval that begins now is typed: by the system call the thread is inside, and its fd. */
    private static int offType(ThreadTimeline t) {
        if (!t.syscallKnown || !t.inside) {
            return CpuType.OTHER; // preempted (run queue), or not known
        }
        String s = t.syscall;
        if (s.equals("futex")) {
            return CpuType.FUTEX;
        }
        if (SLEEPS.contains(s)) {
            return CpuType.IDLE;
        }
        if (WAITS.contains(s)) {
            return CpuType.EPOLL;
        }
        FdType f = t.fdType;
        if (f != null && t.fd >= 0) {
            if (f.isFile() || f == FdType.DIRECTORY) {
                return CpuType.FILE;
            }
            if (f.isInetSocket() || f == FdType.UNIX_SOCK) {
                return CpuType.NET;
            }
        }
        return CpuType.OTHER;
    }

    /** Adds an interval, cut at window boundaries; a window that is left behind is complete. */
    private void add(ThreadTimeline t, long s, long e, int type, int cpu, boolean preempted, String syscall, long fd, String fdName) {
        if (e <= s) {
            return;
        }
        long w = Math.floorDiv(s, windowNanos);
        while (s < e) {
            long boundary = (w + 1) * windowNanos;
            long pe = Math.min(e, boundary);
            IntervalList cur = t.current;
            if (cur != null && (cur.window != w || cur.size() >= maxIntervals)) {
                t.completed.add(cur);
                cur = null;
            }
            if (cur == null) {
                cur = new IntervalList(w);
                t.current = cur;
            }
            cur.add(s, pe, type, cpu, preempted, syscall, fd, fdName);
            s = pe;
            w++;
        }
    }

    private void breakTimeline(ThreadTimeline t) {
        breaks.incrementAndGet();
        emitAll(t);
        t.state = ThreadTimeline.UNKNOWN;
    }

    private void emitAll(ThreadTimeline t) {
        while (!t.completed.isEmpty()) {
            emit(t, t.completed.poll());
        }
        if (t.current != null && t.current.size() > 0) {
            emit(t, t.current);
        }
        t.current = null;
    }

    private void ended(long tid) {
        for (CpuContributor c : contributors) {
            try {
                c.threadEnded(tid);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cpu contributor " + c + " failed on a thread's end: " + e);
            }
        }
    }

    // ---- the event

    private final class Details implements CpuDetails {
        final List<CpuInterval> intervals;
        final List<Map<String, Object>> entries;
        final StringBuilder log = new StringBuilder();
        /** The log's length in UTF-8 bytes, which {@code max_log_bytes} bounds. */
        int logBytes;
        boolean truncated;

        Details(List<CpuInterval> intervals) {
            this.intervals = intervals;
            this.entries = new ArrayList<>(intervals.size());
            for (int i = 0; i < intervals.size(); i++) {
                entries.add(null);
            }
        }

        @Override
        public void add(int index, String key, Object value) {
            if (index < 0 || index >= entries.size() || key == null) {
                return;
            }
            Map<String, Object> m = entries.get(index);
            if (m == null) {
                m = new LinkedHashMap<>();
                entries.set(index, m);
            }
            m.put(key, value);
        }

        @Override
        public void log(CharSequence text) {
            int fits = Utf8.prefixFitting(text, maxLogBytes - logBytes);
            log.append(text, 0, fits);
            logBytes += Utf8.length(text, 0, fits);
            truncated |= fits < text.length();
        }

        String info(boolean on) {
            StringBuilder b = new StringBuilder().append('[');
            boolean first = true;
            for (int i = 0; i < intervals.size(); i++) {
                if (intervals.get(i).onCpu() != on) {
                    continue;
                }
                if (!first) {
                    b.append(',');
                }
                first = false;
                Map<String, Object> m = entries.get(i);
                Json.write(b, m == null ? Map.of() : m);
            }
            return b.append(']').toString();
        }
    }

    private void emit(ThreadTimeline t, IntervalList list) {
        if (list.size() == 0) {
            return;
        }
        List<CpuInterval> intervals = list.intervals();
        Details details = new Details(intervals);
        for (CpuContributor c : contributors) {
            try {
                c.describe(t.tid, intervals, details);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cpu contributor " + c + " failed to describe thread " + t.tid + ": " + e);
            }
        }
        long on = 0;
        long off = 0;
        int offCount = 0;
        for (CpuInterval i : intervals) {
            if (i.onCpu()) {
                on += i.duration();
            } else {
                off += i.duration();
                offCount++;
            }
        }
        ByteBuffer specs = ByteBuffer.allocate(8 * intervals.size()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer runq = ByteBuffer.allocate(8 * offCount).order(ByteOrder.LITTLE_ENDIAN);
        byte[] types = new byte[intervals.size()];
        for (int k = 0; k < intervals.size(); k++) {
            CpuInterval i = intervals.get(k);
            specs.putLong(i.duration());
            types[k] = (byte) i.type();
            if (!i.onCpu()) {
                runq.putLong(i.preempted() ? i.duration() : 0);
            }
        }
        long start = list.first();
        long end = list.last();
        KindlingEvent e = new KindlingEvent(EMITS, Category.OTHER, Source.TRACEPOINT, start, 0, t.context());
        e.addAttribute(Attribute.ofLong("on_total_time", ValueType.UINT64, on));
        e.addAttribute(Attribute.ofLong("off_total_time", ValueType.UINT64, off));
        e.addAttribute(Attribute.ofLong("start_time", ValueType.UINT64, start));
        e.addAttribute(Attribute.ofLong("end_time", ValueType.UINT64, end));
        e.addAttribute(Attribute.ofBytes("time_specs", specs.array()));
        e.addAttribute(Attribute.ofBytes("runq_latency", runq.array()));
        e.addAttribute(Attribute.ofBytes("time_type", types));
        if (details.log.length() > 0) {
            e.addAttribute(Attribute.ofString("log", details.log.toString()));
        }
        if (details.truncated) {
            logTruncated.incrementAndGet();
        }
        e.addAttribute(Attribute.ofString("on_info", details.info(true)));
        e.addAttribute(Attribute.ofString("off_info", details.info(false)));
        emitted.incrementAndGet();
        emitter.emit(e);
    }
}
