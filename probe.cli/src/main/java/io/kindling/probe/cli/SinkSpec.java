package io.kindling.probe.cli;

import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code --sink} option: {@code console}, {@code jsonl} (standard output), {@code jsonl:PATH},
 * {@code prometheus[:[HOST:]PORT]}, {@code kafka:BOOTSTRAP[/TOPIC]} or {@code otlp[:URL]}. A sink is a factory
 * configuration of the sink bundle's component. {@code path} holds the option's argument.
 */
record SinkSpec(Kind kind, String path) {

    /** Configuration property that ties a sink's configuration, and so its service, to one run. */
    static final String RUN_ID = "kindling.run.id";

    /** Configuration property of the jsonl sink: the file, or "" for standard output. */
    static final String PATH = "path";

    enum Kind {
        CONSOLE("console", "io.kindling.probe.sink.console"),
        JSONL("jsonl", "io.kindling.probe.sink.jsonl"),
        PROMETHEUS("prometheus", "io.kindling.probe.sink.prometheus"),
        KAFKA("kafka", "io.kindling.probe.sink.kafka"),
        OTLP("otlp", "io.kindling.probe.sink.otlp");

        private final String label;
        private final String factoryPid;

        Kind(String label, String factoryPid) {
            this.label = label;
            this.factoryPid = factoryPid;
        }

        String label() {
            return label;
        }

        /** The factory PID of the sink's component; also the symbolic name of its bundle. */
        String factoryPid() {
            return factoryPid;
        }

        String bundle() {
            return factoryPid;
        }
    }

    static final SinkSpec CONSOLE = new SinkSpec(Kind.CONSOLE, null);

    /**
     * Parses {@code console}, {@code jsonl}, {@code jsonl:-}, {@code jsonl:PATH}, {@code prometheus[:[HOST:]PORT]},
     * {@code kafka:BOOTSTRAP[/TOPIC]}, {@code otlp[:URL]}.
     */
    static SinkSpec parse(String text) throws UsageException {
        int colon = text.indexOf(':');
        String label = (colon < 0 ? text : text.substring(0, colon)).toLowerCase(Locale.ROOT);
        String path = colon < 0 ? null : text.substring(colon + 1);
        switch (label) {
            case "console":
                if (path != null) {
                    throw new UsageException("the console sink takes no PATH: '" + text + "'");
                }
                return CONSOLE;
            case "jsonl":
                if (path == null || path.isEmpty() || path.equals("-")) {
                    return new SinkSpec(Kind.JSONL, null);
                }
                return new SinkSpec(Kind.JSONL, Path.of(path).toAbsolutePath().normalize().toString());
            case "prometheus":
                if (path != null && !path.isEmpty()) {
                    port(path.substring(path.lastIndexOf(':') + 1), text);
                }
                return new SinkSpec(Kind.PROMETHEUS, path == null || path.isEmpty() ? null : path);
            case "kafka":
                if (path == null || path.isEmpty() || path.startsWith("/")) {
                    throw new UsageException("the kafka sink needs its brokers: kafka:HOST:PORT[,HOST:PORT...][/TOPIC]");
                }
                return new SinkSpec(Kind.KAFKA, path);
            case "otlp":
                if (path != null && !path.isEmpty() && !(path.startsWith("http://") || path.startsWith("https://"))) {
                    throw new UsageException("the otlp sink takes the OTLP/HTTP base URL: otlp:http://HOST:4318, not '" + text + "'");
                }
                return new SinkSpec(Kind.OTLP, path == null || path.isEmpty() ? null : path);
            default:
                throw new UsageException("unknown sink '" + text
                        + "': use console, jsonl[:PATH], prometheus[:[HOST:]PORT], kafka:BOOTSTRAP[/TOPIC] or otlp[:URL]");
        }
    }

    private static int port(String text, String option) throws UsageException {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("not a port number in '" + option + "'");
    }

    /** True when the sink writes to standard output. */
    boolean toStandardOutput() {
        return kind == Kind.CONSOLE || (kind == Kind.JSONL && path == null);
    }

    /** The properties of this sink's factory configuration, for run {@code runId} (null: a sink kept beyond a run). */
    Map<String, Object> configuration(String name, List<Subscription> subscriptions, String runId) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(Sink.SUBSCRIPTIONS, subscriptions.stream().map(Subscription::toString).toArray(String[]::new));
        properties.put(Sink.NAME, name);
        if (runId != null) {
            properties.put(RUN_ID, runId);
        }
        switch (kind) {
            case JSONL -> properties.put(PATH, path == null ? "" : path);
            case PROMETHEUS -> {
                if (path != null) {
                    int colon = path.lastIndexOf(':');
                    if (colon > 0) {
                        properties.put("host", path.substring(0, colon));
                    }
                    properties.put("port", Integer.parseInt(path.substring(colon + 1)));
                }
            }
            case KAFKA -> {
                int slash = path.lastIndexOf('/');
                properties.put("bootstrap.servers", slash < 0 ? path : path.substring(0, slash));
                if (slash >= 0 && slash < path.length() - 1) {
                    properties.put("topic", path.substring(slash + 1));
                }
            }
            case OTLP -> {
                if (path != null) {
                    properties.put("endpoint", path);
                }
            }
            default -> { }
        }
        return properties;
    }

    @Override
    public String toString() {
        return path == null ? kind.label() : kind.label() + ":" + path;
    }
}
