package io.kindling.probe.generator.internal;

import io.kindling.probe.generator.Progress;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Drives the activities: picks the next activity by weight, inserts context switches when the thread of
 * the next event is not the one running on its CPU, stamps a monotonic timestamp and writes the event.
 * Stops after exactly the requested number of events.
 */
public final class Engine {

    /** Raw outcome of a run. */
    public static final class Result {
        public final long[] counts = new long[Ppm.EVENT_MAX];
        public long events;
        public long failed;
        public long bytes;
        public long firstTs;
        public long lastTs;
        /** Lines of the request log, 0 when the capture has none. */
        public long requests;
    }

    private static final long PROGRESS_INTERVAL_NS = 200_000_000L;

    private final Rng rng;
    private final World world;
    private final SimClock clock = new SimClock();
    private final Activity[] activities;
    private final int[] cumulativeWeights;
    private final boolean switches;
    private final SimThread[] running = new SimThread[World.CPUS];
    private final Ev switchEv = new Ev();

    private final JavaActivity javaServer;
    private final RequestLog requestLog;
    private ScapWriter w;
    private Result result;

    /** The Java activity's log of the markers it wrote, or null when the scenario has none. */
    public JavaActivity.MarkerLog markers() {
        return javaServer == null ? null : javaServer.log;
    }

    /**
     * @param httpWeight relative share of the HTTP/DNS activity
     * @param fileWeight relative share of the file activity
     * @param schedWeight relative share of the CPU bound, futex synchronised activity
     * @param javaWeight relative share of the Java server that writes the Java agent's markers
     * @param switches whether changes of the running thread of a CPU produce sched_switch events
     */
    public Engine(long seed, int httpWeight, int fileWeight, int schedWeight, int javaWeight, boolean switches) {
        this(seed, httpWeight, fileWeight, schedWeight, javaWeight, switches, new String[0], 0);
    }

    /**
     * @param workloads the protocols of the request workloads (see {@link Workloads}), each an activity
     * @param workloadWeight relative share of each request workload
     */
    public Engine(long seed, int httpWeight, int fileWeight, int schedWeight, int javaWeight, boolean switches,
            String[] workloads, int workloadWeight) {
        this.rng = new Rng(seed);
        java.util.List<Workload> ws = new java.util.ArrayList<>();
        for (String p : workloads) {
            ws.add(Workloads.create(p));
        }
        this.world = new World(rng, javaWeight > 0, ws);
        this.switches = switches;
        requestLog = ws.isEmpty() && httpWeight == 0 ? null : new RequestLog();
        javaServer = javaWeight > 0 ? new JavaActivity(world, rng, clock) : null;
        int fixed = 4;
        Activity[] all = new Activity[fixed + ws.size()];
        int[] weights = new int[all.length];
        all[0] = new HttpActivity(world, rng, clock, requestLog);
        all[1] = new FileActivity(world, rng, clock);
        all[2] = new SchedActivity(world, rng, clock);
        all[3] = javaServer;
        weights[0] = httpWeight;
        weights[1] = fileWeight;
        weights[2] = schedWeight;
        weights[3] = javaWeight;
        for (int i = 0; i < ws.size(); i++) {
            all[fixed + i] = new RequestActivity(world, rng, clock, ws.get(i), requestLog);
            weights[fixed + i] = workloadWeight;
        }
        int n = 0;
        for (int wgt : weights) {
            n += wgt > 0 ? 1 : 0;
        }
        activities = new Activity[n];
        cumulativeWeights = new int[n];
        int k = 0;
        int sum = 0;
        for (int i = 0; i < all.length; i++) {
            if (weights[i] > 0) {
                sum += weights[i];
                activities[k] = all[i];
                cumulativeWeights[k++] = sum;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no activity selected");
        }
        for (int c = 0; c < running.length; c++) {
            running[c] = world.idle;
        }
    }

    private Activity pick() {
        if (activities.length == 1) {
            return activities[0];
        }
        int r = rng.nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (r < cumulativeWeights[i]) {
                return activities[i];
            }
        }
        return activities[activities.length - 1];
    }

    public Result run(long events, Path out, Progress progress) throws IOException {
        result = new Result();
        long startNanos = System.nanoTime();
        long lastReport = startNanos;
        try (ScapWriter writer = new ScapWriter(out);
                java.io.Writer markerLog = javaServer == null ? null
                        : java.nio.file.Files.newBufferedWriter(JavaActivity.logFile(out), java.nio.charset.StandardCharsets.UTF_8);
                java.io.Writer requests = requestLog == null ? null
                        : java.nio.file.Files.newBufferedWriter(requestLogFile(out), java.nio.charset.StandardCharsets.UTF_8)) {
            w = writer;
            if (javaServer != null) {
                javaServer.log.open(markerLog);
            }
            if (requestLog != null) {
                requestLog.open(requests);
            }
            w.writeSectionHeader();
            world.writeMetadata(w);
            result.firstTs = clock.now;
            Activity sticky = null;
            Activity current = null;
            int burst = 0;
            while (result.events < events) {
                if (burst <= 0) {
                    // an activity keeps the machine for a short burst, as threads run for a while
                    current = pick();
                    burst = rng.between(4, 24);
                }
                Activity a = sticky != null ? sticky : current;
                Ev e = a.peek();
                SimThread t = e.th;
                int cpu = t.cpu;
                if (switches && running[cpu] != t) {
                    clock.now += e.delayNs;
                    e.delayNs = 0;
                    contextSwitch(cpu, t);
                    sticky = a;
                    continue;
                }
                sticky = null;
                a.pop();
                if (e.runOnly) {
                    continue;
                }
                write(a, e, cpu, events);
                burst--;
                if ((result.events & 0x3fff) == 0 && progress != null) {
                    lastReport = reportEvery(progress, events, startNanos, lastReport);
                }
            }
            result.lastTs = clock.now;
            if (requestLog != null) {
                requestLog.end();
                result.requests = requestLog.written;
            }
        }
        result.bytes = w.bytesWritten();
        if (progress != null) {
            report(progress, events, System.nanoTime() - startNanos);
        }
        return result;
    }

    /** The request log of a capture: its name with {@code .requests} appended. */
    public static Path requestLogFile(Path capture) {
        return capture.resolveSibling(capture.getFileName() + ".requests");
    }

    /** Writes the event after a short pause; a blocking call may leave its CPU idle. */
    private void write(Activity a, Ev e, int cpu, long events) throws IOException {
        clock.now += rng.between(200, 3000) + e.delayNs;
        a.stamped(e, clock.now);
        EventEncoder.write(w, e, cpu, clock.now);
        count(e);
        if (switches && e.blocking && result.events < events && rng.percent(30)) {
            contextSwitch(cpu, world.idle);
        }
    }

    /** Reports progress when the interval has passed since {@code lastReport}; returns when it last reported. */
    private long reportEvery(Progress progress, long total, long startNanos, long lastReport) {
        long now = System.nanoTime();
        if (now - lastReport < PROGRESS_INTERVAL_NS) {
            return lastReport;
        }
        report(progress, total, now - startNanos);
        return now;
    }

    private void report(Progress progress, long total, long elapsedNanos) {
        double seconds = Math.max(elapsedNanos, 1) / 1e9;
        double percent = total == 0 ? 100.0 : 100.0 * result.events / total;
        progress.report(result.events, total, percent, result.events / seconds);
    }

    private void contextSwitch(int cpu, SimThread next) throws IOException {
        SimThread prev = running[cpu];
        Ev s = switchEv.reset(prev, Ppm.SCHEDSWITCH_6_E);
        s.next = next;
        prev.pfMinor += rng.nextInt(4);
        clock.now += rng.between(100, 1500);
        EventEncoder.write(w, s, cpu, clock.now);
        count(s);
        running[cpu] = next;
    }

    private void count(Ev e) {
        result.events++;
        result.counts[e.type]++;
        if (!Ppm.isEnter(e.type) && e.res < 0) {
            result.failed++;
        }
    }
}
