package io.kindling.probe.generator;

import io.kindling.probe.generator.internal.Engine;
import io.kindling.probe.generator.internal.Ppm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes synthetic captures in the scap format (section format 1.2, as written by libscap of
 * falcosecurity/libs 0.1.x and read by {@code sysdig -r}).
 *
 * <p>The capture starts with the machine info, interface, user, process and fd list blocks describing a
 * small two CPU host; the events that follow use the event versions of that libscap (accept with five
 * parameters, openat with six, sched_switch with six, ...) so libsinsp rebuilds thread and fd state from
 * them: fd names resolve to file paths and to tuples such as {@code 127.0.0.1:40312->127.0.0.1:8080}.
 *
 * <p>Read and write payloads are kept up to 1024 bytes per event (as with {@code sysdig -s 1024}); every
 * payload generated is shorter, so requests, responses, DNS messages and file contents are complete.
 *
 * <p>The same scenario, event count and seed always give byte-identical files.
 */
public final class CaptureGenerator {

    private CaptureGenerator() {
    }

    /**
     * Generates a capture.
     *
     * @param scenario what the capture contains
     * @param events exact number of events to write, at least 1
     * @param seed seed of the pseudo random choices
     * @param out the file to create or overwrite
     * @param progress progress callback, may be null
     * @return counts of what was written
     * @throws IOException if the file cannot be written
     */
    public static GenerationSummary generate(Scenario scenario, long events, long seed, Path out, Progress progress)
            throws IOException {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(out, "out");
        if (events < 1) {
            throw new IllegalArgumentException("events must be at least 1 (a capture without events is unreadable)");
        }
        long start = System.nanoTime();
        Engine engine = new Engine(seed, scenario.httpWeight, scenario.fileWeight, scenario.schedWeight,
                scenario.javaWeight, scenario.contextSwitches, scenario.workloads, Scenario.WORKLOAD_WEIGHT);
        Engine.Result r = engine.run(events, out, progress);
        long elapsed = System.nanoTime() - start;

        TreeMap<String, Long> byType = new TreeMap<>();
        long enter = 0;
        long exit = 0;
        for (int type = 0; type < r.counts.length; type++) {
            long c = r.counts[type];
            if (c == 0) {
                continue;
            }
            byType.merge(Ppm.name(type), c, Long::sum);
            if (Ppm.isEnter(type)) {
                enter += c;
            } else {
                exit += c;
            }
        }
        return new GenerationSummary(scenario, seed, out, r.events, r.bytes, byType, enter, exit, r.failed,
                r.firstTs, r.lastTs, elapsed, r.requests);
    }

    /**
     * The log of the Java agent's markers that a capture of the {@link Scenario#JAVA} scenario holds,
     * written next to it (its name with {@code .markers} appended): one line per marker write, fields
     * separated by tabs: the write's timestamp (ns), pid, tid, what the marker must give
     * ({@code java_futex_info}, {@code apm_trace_id_event}, {@code apm_span_event}, {@code thread_name},
     * or {@code malformed}), the timestamp of that event, and the marker's text.
     * @since 1.1
     */
    public static Path markerLog(Path capture) {
        return capture.resolveSibling(capture.getFileName() + ".markers");
    }

    /**
     * The log of the requests a capture holds, written next to it (its name with {@code .requests} appended) for
     * the scenarios that log requests ({@link Scenario#logsRequests()}): one line per {@code net_request} the probe
     * must report (a request seen by its client and its server gives two lines), fields separated by tabs: the
     * event's timestamp (ns), pid, tid, fd, {@code is_server}, {@code request_io}, {@code response_io},
     * {@code request_sent_time}, {@code waiting_ttfb_time}, {@code content_download_time}, {@code request_total_time}
     * (as the README's request section defines them: a client's request from the enter of its first write, a
     * server's from the exit of its first read, to the exit of the last; the response from the end of the request
     * to the exit of its first call, then to the exit of its last call, which is the event's timestamp; a request
     * never answered ends at the enter of the close, its total from its start; a refused connect is the connect's
     * exit and its latency; a request the capture ends in is logged as the end of a replay reports it), then the
     * attributes the probe must give, as {@code name=value}: {@code protocol}, {@code is_error}, {@code error_type},
     * {@code is_slow} (the probe's default thresholds), {@code content_key}, and the protocol's own
     * ({@code redis_command}, {@code redis_error}, {@code dns_domain}, {@code dns_id}, {@code dns_rcode}, ...).
     * @since 1.2
     */
    public static Path requestLog(Path capture) {
        return Engine.requestLogFile(capture);
    }

    /** Generates a capture without progress reports. */
    public static GenerationSummary generate(Scenario scenario, long events, long seed, Path out) throws IOException {
        return generate(scenario, events, seed, out, null);
    }
}
