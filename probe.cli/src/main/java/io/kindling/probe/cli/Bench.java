package io.kindling.probe.cli;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code probe bench}: in one process, alternately, after two warm-up rounds of each that are shown
 * but not counted (the JIT compiles the hot path during the first, and recompiles what the second
 * run's fresh state reaches), the inspector alone (libsinsp with the drop
 * rules and the filter, in C++, nothing crossing into Java) and the whole probe (native batches,
 * conversion, routing, to a sink that only counts). The last line is the machine-readable result.
 */
final class Bench {

    /** A sink that counts what it receives, on its delivery thread. */
    static final class CountingSink implements Sink {
        private volatile long count;

        @Override
        public void deliver(KindlingEvent event) {
            count++; // one delivery thread writes it
        }

        long count() {
            return count;
        }
    }

    /** Rounds of each mode run before the counted ones. */
    static final int WARM_UP_ROUNDS = 2;

    private final ProbeServices services;
    private final PrintStream err;

    Bench(ProbeServices services, PrintStream err) {
        this.services = services;
        this.err = err;
    }

    int run(Path capture, List<Subscription> subscriptions, int rounds) throws CommandException {
        ProbeControl control = services.control();
        List<Double> raw = new ArrayList<>();
        List<Double> pipeline = new ArrayList<>();
        long events = -1;
        long delivered = -1;
        // the warm-up rounds let the JIT settle (and fill the page cache): printed, not counted
        for (int round = 1 - WARM_UP_ROUNDS; round <= rounds; round++) {
            String label = round <= 0 ? "warm-up" : "round " + round;
            Statistics base;
            try {
                base = control.baseline(capture, subscriptions);
            } catch (ProbeException e) {
                throw new CommandException(Exit.BAD_INPUT, capture + ": " + e.getMessage());
            }
            if (round > 0) {
                raw.add(rate(base));
            }
            events = base.read();
            err.printf(Locale.ROOT, "%-7s raw      %,d events read, %,d passed, %.3f s, %,.0f events/s%n", label,
                    base.read(), base.converted(), base.elapsedNanos() / 1e9, rate(base));

            CountingSink sink = new CountingSink();
            Statistics whole = pipeline(control, capture, subscriptions, sink);
            if (round > 0) {
                pipeline.add(rate(whole));
            }
            // the pipeline delivers what the raw loop passed; where converters emit events, it converts at least what
            // the raw loop passed (active converters may read more) and delivers what they made of it
            boolean agree = whole.emitted() == 0 ? sink.count() == base.converted() : whole.converted() >= base.converted();
            if (whole.read() != base.read() || !agree) {
                throw new CommandException(Exit.FAILURE, String.format(Locale.ROOT,
                        "the two modes disagree: raw read %d and passed %d, pipeline read %d, converted %d and delivered %d",
                        base.read(), base.converted(), whole.read(), whole.converted(), sink.count()));
            }
            delivered = sink.count();
            err.printf(Locale.ROOT, "%-7s pipeline %,d events read, %,d delivered, %.3f s, %,.0f events/s%n", label,
                    whole.read(), sink.count(), whole.elapsedNanos() / 1e9, rate(whole));
        }
        double r = median(raw);
        double p = median(pipeline);
        System.out.printf(Locale.ROOT, "events=%d delivered=%d raw=%.0f/s pipeline=%.0f/s ratio=%.3f heap_peak=%s rss_peak=%s%n",
                events, delivered, r, p, p / r, megabytes(heapPeak()), megabytes(rssPeak()));
        return Exit.OK;
    }

    /** One replay through the whole probe to a counting sink of the bench's own. */
    private Statistics pipeline(ProbeControl control, Path capture, List<Subscription> subscriptions, CountingSink sink)
            throws CommandException {
        try (ProbeServices.Sinks ignored = services.startOwnSink(sink, "bench", subscriptions)) {
            Run run;
            try {
                run = control.open(capture);
                run.await();
            } catch (ProbeException e) {
                throw new CommandException(Exit.BAD_INPUT, capture + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandException(Exit.FAILURE, "interrupted");
            }
            if (run.failure() != null) {
                throw new CommandException(Exit.BAD_INPUT, capture + ": " + run.failure());
            }
            return run.statistics();
        }
    }

    private static double rate(Statistics s) {
        return s.elapsedNanos() <= 0 ? 0 : s.read() * 1e9 / s.elapsedNanos();
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "unknown" : (bytes + (1 << 19)) / (1 << 20) + "MB";
    }

    /** Sum of the heap pools' peak use since the JVM started. */
    static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** The process's peak resident set (VmHWM), or -1 where /proc does not tell. */
    static long rssPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
