package io.kindling.probe.cli;

/** The text of {@code probe help}. */
final class Usage {

    static final String TEXT = """
            Usage: probe [COMMAND] [OPTIONS]

            Commands:
              replay FILE   read a capture file (.scap) and deliver its events to the sinks
              live [--duration D] [--write FILE]
                            read live events with the probe's own eBPF programs (as root, on a
                            kernel with BTF, 5.8 or later); stop with Ctrl-C or after D (30s,
                            500ms, 2m); --write also records every event read to FILE, a
                            capture that replay and sysdig -r read
              bench-live [--rate R] [--duration D] [--search] [--grpc]
                            a loopback HTTP workload at R requests/s (10000) for D (30s), alone,
                            then while the probe reads live (--subscribe and --sink as for
                            live; by default the default subscriptions and jsonl to /dev/null):
                            the probe's CPU, its BPF programs' run time, events
                            and drops, the workload's throughput; --search looks for the
                            highest rate without drops; --grpc: unary gRPC calls over
                            cleartext HTTP/2 instead of HTTP/1.1 requests
              events        list the event names and categories that --subscribe accepts
              bench FILE    time the inspector alone (libsinsp, drop rules and filter, in C++)
                            against the whole probe (to a counting sink) on a capture,
                            alternately, after two warm-up rounds of each, and print the
                            medians' ratio [--subscribe ...] [--rounds N, 5 by default]
              generate --scenario SCENARIOS --events N --out FILE [--seed S]
                            write a synthetic capture of N events (HTTP and DNS on
                            loopback, file work, context switches, or all mixed; a
                            protocol's requests, or all of them); the requests written
                            are logged in FILE.requests (FILE.markers: the Java agent's
                            markers); the same options give the same file; the seed is 1
                            by default
              shell [FILE] [--data DIR] [--sink console|jsonl[:PATH]]...
                            the Gogo shell: subscribe, subscriptions, open FILE, start, stats,
                            ... (each with --help); reads commands from standard input when it
                            is not a terminal; FILE is the capture that start replays; the data
                            folder (default ~/.kindling-probe) keeps the configurations and
                            holds deploy/ (bundles) and config/ (.cfg files), both watched
              help          show this text (also --help)
              (none)        replay the sample capture bundled with the probe, with the default
                            subscriptions, to the console

            Options of replay and live (each may be repeated):
              --subscribe NAME[:CATEGORY]
                            subscribe to an event, in one category or in all of them;
                            'all' subscribes every event the inspector reads, in every
                            category (derived events such as conn_close or cpu_event are
                            subscribed by name); without --subscribe, the Kindling
                            collector's default list is used
              --sink console|jsonl[:PATH]|prometheus[:[HOST:]PORT]|kafka:BOOTSTRAP[/TOPIC]|otlp[:URL]
                            where the events go (default: console); jsonl writes one JSON
                            object a line, to PATH or, without PATH, to standard output;
                            prometheus serves /metrics (127.0.0.1:9500 by default); kafka
                            publishes to TOPIC (kindling-events by default); otlp sends the
                            requests (net_request) as OpenTelemetry metrics and spans to the
                            OTLP/HTTP URL (http://127.0.0.1:4318 by default); every sink
                            gets all the subscriptions
              --config DIR  also the configurations of DIR's files, in the format of the
                            shell's config/ (PID.cfg, FACTORY_PID-NAME.cfg): the sinks they
                            configure receive events (then no console sink by default);
                            watched while the probe runs (bin/probe runs shell.jar for it)

            Standard output carries only the events; messages and the summary go to standard error.
            Exit status: 0 done, 1 the probe itself failed, 2 bad command line or bad input.
            """.replace("SCENARIOS", GenerateSpec.scenarioNames("|", "|"));

    private Usage() {}
}
