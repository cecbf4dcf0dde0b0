package io.kindling.probe.sink.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of a process's threads grouped by name, from Linux's {@code /proc/PID/task/TID/stat}
 * (the kernel's 15-character thread name, digits folded so that a pool's threads count as one), for a
 * benchmark's breakdown: which threads of the broker or of the test's JVM (garbage collection and JIT
 * compilation included) spent what. Empty where {@code /proc} is absent.
 */
final class ThreadsCpu {
    /** Clock ticks per second of {@code /proc}'s times ({@code USER_HZ}: 100 on Linux). */
    private static final long TICKS_PER_SECOND = 100;

    private final Map<String, Long> ticks;
    /** The part of {@link #ticks} spent in the kernel. */
    private final Map<String, Long> systemTicks;

    private ThreadsCpu(Map<String, Long> ticks, Map<String, Long> systemTicks) {
        this.ticks = ticks;
        this.systemTicks = systemTicks;
    }

    static ThreadsCpu of(long pid) {
        Map<String, Long> ticks = new HashMap<>();
        Map<String, Long> systemTicks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close).replaceAll("[0-9]+", "#");
                String[] fields = stat.substring(close + 2).split(" ");
                // fields after the name: state is [0]; utime [11], stime [12]
                long system = Long.parseLong(fields[12]);
                ticks.merge(name, Long.parseLong(fields[11]) + system, Long::sum);
                systemTicks.merge(name, system, Long::sum);
            }
        } catch (IOException | RuntimeException noProc) {
            return new ThreadsCpu(Map.of(), Map.of());
        }
        return new ThreadsCpu(ticks, systemTicks);
    }

    /** CPU time in milliseconds of the threads whose (folded) name contains {@code part}. */
    long millis(String part) {
        long sum = 0;
        for (Map.Entry<String, Long> e : ticks.entrySet()) {
            if (e.getKey().contains(part)) {
                sum += e.getValue();
            }
        }
        return sum * 1000 / TICKS_PER_SECOND;
    }

    /**
     * The threads that spent the most since {@code before}, in µs per event, largest first, with the
     * kernel's part in parentheses; those under 2 % of the total left out; threads that ended meanwhile
     * are not counted.
     */
    String since(ThreadsCpu before, long events) {
        Map<String, Long> spent = new HashMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : ticks.entrySet()) {
            long d = e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                spent.put(e.getKey(), d);
                total += d;
            }
        }
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(spent.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder b = new StringBuilder(String.format("%.2f in all:", micros(total, events)));
        for (Map.Entry<String, Long> e : sorted) {
            if (e.getValue() * 50 >= total) {
                long system = systemTicks.getOrDefault(e.getKey(), 0L) - before.systemTicks.getOrDefault(e.getKey(), 0L);
                b.append(String.format(" %s %.2f (%.2f);", e.getKey(), micros(e.getValue(), events), micros(system, events)));
            }
        }
        return b.toString();
    }

    private static double micros(long ticks, long events) {
        return ticks * 1e6 / TICKS_PER_SECOND / events;
    }
}
