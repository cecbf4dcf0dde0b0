package io.kindling.probe.converter.tcp;

import io.kindling.probe.bench.BenchmarkDefaults;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Process exits against a full connection table (the tcp converter's default bound, 65,536 connections
 * of 1,024 processes), as on a host that forks many short-lived processes: one operation is one exit.
 * The class sits in the converter's package to reach its table; its rounds are shorter than the other benchmarks'.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProcessExitBenchmark extends BenchmarkDefaults {
    static final int CONNECTIONS = 65_536;
    static final int PROCESSES = 1024;

    private ConnectionTable table;
    private long nextPid = 1_000_000;

    @Setup(Level.Trial)
    public void fill() {
        table = new ConnectionTable(CONNECTIONS);
        for (int i = 0; i < CONNECTIONS; i++) {
            table.put(new Connection(1 + i % PROCESSES, 3 + i / PROCESSES, null, false, Connection.Opened.CONNECT));
        }
    }

    /** A short-lived process: one connection opened, then the process exits. */
    @Benchmark
    public int exitOfAProcessWithOneConnection() {
        long pid = nextPid++;
        table.put(new Connection(pid, 3, null, false, Connection.Opened.CONNECT));
        return table.removeProcess(pid).size();
    }

    /** A process without connections exits. */
    @Benchmark
    public int exitOfAProcessWithoutConnections() {
        return table.removeProcess(nextPid++).size();
    }
}
