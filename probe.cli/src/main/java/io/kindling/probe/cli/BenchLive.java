package io.kindling.probe.cli;

import io.kindling.probe.api.control.CaptureStatistics;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code probe bench-live}: a loopback HTTP/1.1 workload ({@link HttpLoad}, or with {@code --grpc} unary gRPC calls
 * over cleartext HTTP/2, {@link GrpcLoad}; in a JVM of its own started
 * with this one's {@code java}) at a fixed request rate, first without the probe, then while the probe
 * reads live events with the given subscriptions and sinks (jsonl to /dev/null by default). Reports the
 * probe process's CPU time (user + system) per second of the run, the run time of the probe's BPF
 * programs (with {@code kernel.bpf_stats_enabled} on for the run), the events captured and dropped per
 * reason, and the workload's throughput with and without the probe. {@code --search} then raises the
 * rate until events are dropped and narrows down the highest rate without drops.
 */
final class BenchLive {

    private static final Pattern RATE = Pattern.compile("requests=(\\d+) seconds=([0-9.]+) rate=([0-9.]+)");
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    private final ProbeServices services;
    private final PrintStream err;

    BenchLive(ProbeServices services, PrintStream err) {
        this.services = services;
        this.err = err;
    }

    /** One workload run's figures: requests done per second, and what the probe did meanwhile. */
    record Round(double rate, double cpuPerSecond, double bpfPerSecond, long events, long drops, CaptureStatistics capture,
            long delivered, long sinkDropped) {}

    int run(List<Subscription> subscriptions, List<SinkSpec> sinks, LiveSpec spec) throws CommandException {
        List<String> workload = workloadCommand(spec.grpc() ? GrpcLoad.class : HttpLoad.class);
        double seconds = spec.durationMillis() / 1000.0;
        err.printf(Locale.ROOT, "bench-live: %d %s/s for %.0f s over loopback; workload alone first%n", spec.rate(),
                spec.grpc() ? "gRPC calls (HTTP/2)" : "requests (HTTP/1.1)", seconds);
        double alone = workload(workload, spec.rate(), seconds);
        err.printf(Locale.ROOT, "  without the probe: %.1f requests/s%n", alone);
        ProbeControl control = services.control();
        String previousStats = readStats();
        try (ProbeServices.Sinks started = services.startSinks(sinks, subscriptions)) {
            writeStats("1");
            Run run;
            try {
                run = control.openLive();
            } catch (ProbeException e) {
                throw new CommandException(Exit.BAD_INPUT, "bench-live: " + e.getMessage());
            }
            try {
                Round round = measure(control, workload, spec.rate(), seconds);
                err.printf(Locale.ROOT, "  with the probe:    %.1f requests/s (%.1f %% of the rate without it)%n", round.rate(),
                        100.0 * round.rate() / alone);
                report(round);
                err.println(String.format(Locale.ROOT,
                        "rate=%d seconds=%.0f throughput_alone=%.1f throughput_probe=%.1f loss_pct=%.2f probe_cpu_cores=%.3f"
                                + " bpf_cpu_cores=%.3f events=%d drops=%d delivered=%d sink_drops=%d",
                        spec.rate(), seconds, alone, round.rate(), 100.0 * (1 - round.rate() / alone), round.cpuPerSecond(),
                        round.bpfPerSecond(), round.events(), round.drops(), round.delivered(), round.sinkDropped()));
                if (spec.search()) {
                    search(control, workload, spec.rate(), round.drops() == 0);
                }
            } finally {
                run.stop();
                try {
                    run.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            if (previousStats != null) {
                writeStats(previousStats);
            }
        }
        return Exit.OK;
    }

    private void report(Round r) {
        CaptureStatistics c = r.capture();
        err.printf(Locale.ROOT, "  probe process CPU: %.3f cores (user + system per second)%n", r.cpuPerSecond());
        err.printf(Locale.ROOT, "  BPF programs:      %.3f cores (run time per second, kernel.bpf_stats_enabled)%n",
                r.bpfPerSecond());
        err.printf(Locale.ROOT, "  events read %d, dropped %d: bpf ring full %d, udig ring full %d, invalid %d"
                + " (libsinsp's count of them: %d)%n", r.events(), r.drops(), c.dropsBpfRing(), c.dropsUdigRing(), c.dropsInvalid(), c.drops());
        err.printf(Locale.ROOT, "  in-kernel filter:  %d events of the probe itself and %d of syscalls no one needs not copied%n",
                c.filteredOwnProcess(), c.filteredSyscall());
        err.printf(Locale.ROOT, "  sinks:             %d events delivered, %d dropped by full sink queues%n", r.delivered(),
                r.sinkDropped());
    }

    /**
     * Raises the rate while nothing is dropped, then halves the step between the last good and first bad
     * rate. A rate the workload itself cannot reach on this machine (less than 90 % of it done) ends the
     * search: the probe kept up with everything the workload could do.
     */
    private void search(ProbeControl control, List<String> workload, int start, boolean startClean) throws CommandException {
        double seconds = 10;
        int good = startClean ? start : 0;
        double goodDone = 0;
        int bad = startClean ? 0 : start;
        int rate = startClean ? start * 2 : start / 2;
        boolean workloadBound = false;
        for (int step = 0; step < 8 && rate >= 100; step++) {
            Round r = measure(control, workload, rate, seconds);
            boolean clean = r.drops() == 0;
            CaptureStatistics c = r.capture();
            err.printf(Locale.ROOT, "  search: %d requests/s asked, %.1f done, %d events, %d dropped (bpf ring %d, udig ring %d,"
                    + " invalid %d), probe %.3f cores, BPF %.3f cores%n", rate, r.rate(), r.events(), r.drops(),
                    c.dropsBpfRing(), c.dropsUdigRing(), c.dropsInvalid(), r.cpuPerSecond(), r.bpfPerSecond());
            if (clean) {
                if (rate > good) {
                    good = rate;
                    goodDone = r.rate();
                }
                if (r.rate() < 0.9 * rate) {
                    workloadBound = true;
                    break;
                }
            } else {
                bad = bad == 0 ? rate : Math.min(bad, rate);
            }
            if (bad == 0) {
                rate *= 2;
            } else if (bad - good <= Math.max(500, bad / 20)) {
                break;
            } else {
                rate = (good + bad) / 2;
            }
        }
        String why = workloadBound ? String.format(Locale.ROOT,
                " (the workload's own limit here: %.0f requests/s done; the probe dropped nothing up to it)", goodDone)
                : bad == 0 ? " (no drops at any rate tried)" : "";
        err.println(String.format(Locale.ROOT, "highest_rate_without_drops=%d%s", good, why));
    }

    private Round measure(ProbeControl control, List<String> workload, int rate, double seconds) throws CommandException {
        Statistics before = control.statistics();
        long cpu0 = processCpuNanos();
        long bpf0 = bpfRunNanos();
        long t0 = System.nanoTime();
        double done = workload(workload, rate, seconds);
        // what the workload did is read within a moment; then the figures are taken
        sleep(500);
        long elapsed = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        long bpf = bpfRunNanos() - bpf0;
        Statistics after = control.statistics();
        CaptureStatistics c0 = before.capture();
        CaptureStatistics c1 = after.capture();
        CaptureStatistics delta = new CaptureStatistics(c1.source(), c1.events() - c0.events(), c1.drops() - c0.drops(),
                c1.dropsBuffer() - c0.dropsBuffer(), c1.dropsPageFault() - c0.dropsPageFault(), c1.dropsBug() - c0.dropsBug(),
                c1.preemptions() - c0.preemptions(), c1.suppressed() - c0.suppressed(), c1.sourceEvents() - c0.sourceEvents(),
                c1.dropsBpfRing() - c0.dropsBpfRing(), c1.dropsUdigRing() - c0.dropsUdigRing(),
                c1.dropsInvalid() - c0.dropsInvalid(), c1.filteredOwnProcess() - c0.filteredOwnProcess(),
                c1.filteredSyscall() - c0.filteredSyscall());
        // the eBPF source publishes its drops in udig's descriptors, where libsinsp counts them again
        long drops = Math.max(delta.sourceDrops(), delta.drops());
        long delivered = 0;
        long sinkDropped = 0;
        for (var sink : after.sinks()) {
            delivered += sink.delivered();
            sinkDropped += sink.dropped();
        }
        for (var sink : before.sinks()) {
            delivered -= sink.delivered();
            sinkDropped -= sink.dropped();
        }
        return new Round(done, cpu / (double) elapsed, bpf / (double) elapsed, after.read() - before.read(), drops, delta,
                delivered, sinkDropped);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the workload; returns the requests it did per second. */
    private double workload(List<String> command, int rate, double seconds) throws CommandException {
        try {
            List<String> args = new java.util.ArrayList<>(command);
            args.add(Integer.toString(rate));
            args.add(Double.toString(seconds));
            Process p = new ProcessBuilder(args)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor((long) seconds + 60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new CommandException(Exit.FAILURE, "bench-live: the workload failed: " + out.strip());
            }
            Matcher m = RATE.matcher(out);
            if (!m.find()) {
                throw new CommandException(Exit.FAILURE, "bench-live: the workload said " + out.strip());
            }
            return Double.parseDouble(m.group(3));
        } catch (IOException e) {
            throw new CommandException(Exit.FAILURE, "bench-live: cannot run the workload: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(Exit.FAILURE, "bench-live: interrupted");
        }
    }

    /**
     * The workload's class file from this bundle, copied into a temporary folder, run by this JVM's
     * {@code java}: nothing beyond the JDK the probe runs on is needed.
     */
    private static List<String> workloadCommand(Class<?> load) throws CommandException {
        String name = load.getName();
        try (InputStream in = BenchLive.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            if (in == null) {
                throw new CommandException(Exit.FAILURE, "bench-live: the workload class is missing from this build");
            }
            Path dir = Files.createTempDirectory("kindling-bench-live");
            Path file = dir.resolve(name.replace('.', '/') + ".class");
            Files.createDirectories(file.getParent());
            Files.copy(in, file);
            for (Path p = file; p != null && p.startsWith(dir); p = p.getParent()) {
                p.toFile().deleteOnExit();
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return List.of(java, "-XX:+UseSerialGC", "-Xmx64m", "-cp", dir.toString(), name);
        } catch (IOException e) {
            throw new CommandException(Exit.FAILURE, "bench-live: cannot set up the workload: " + e.getMessage());
        }
    }

    /** This process's user + system CPU time, every thread (the event loop, sinks, the shim's reader and producer). */
    static long processCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            return ticks * (1_000_000_000L / CLOCK_TICKS);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The run time of the BPF programs this process holds (run_time_ns of each prog fd's fdinfo). */
    static long bpfRunNanos() {
        long total = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (!target.equals("anon_inode:bpf-prog")) {
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        if (line.startsWith("run_time_ns:")) {
                            total += Long.parseLong(line.substring(12).trim());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }

    private static String readStats() {
        try {
            return Files.readString(BPF_STATS).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeStats(String value) {
        try {
            Files.writeString(BPF_STATS, value);
        } catch (IOException e) {
            // without it the BPF run time reads 0
        }
    }
}
