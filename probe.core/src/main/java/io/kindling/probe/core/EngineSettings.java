package io.kindling.probe.core;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Checks the engine's configuration before it is used. */
final class EngineSettings {
    /** libscap's SCAP_MAX_SUPPRESSED_COMMS. */
    static final int MAX_SUPPRESSED = 32;
    /** A comm is at most 15 characters (16 bytes with the NUL). */
    static final int MAX_COMM = 15;

    private EngineSettings() {}

    /** What is wrong with the configuration, or {@code null}. */
    static String check(ProbeEngine.Config config) {
        List<String> problems = new ArrayList<>();
        if (config.sink_queue_size() < 16) {
            problems.add("sink.queue.size is " + config.sink_queue_size() + ", at least 16 is needed");
        }
        if (config.sink_stall_millis() < 0) {
            problems.add("sink.stall.millis is " + config.sink_stall_millis() + ", it cannot be negative");
        }
        Set<String> comms = new LinkedHashSet<>();
        for (String c : comms(config.suppressed_comms())) {
            if (c.length() > MAX_COMM) {
                problems.add("suppressed.comms: '" + c + "' is longer than " + MAX_COMM + " characters, the length of a process name");
            } else {
                comms.add(c);
            }
        }
        if (comms.size() > MAX_SUPPRESSED) {
            problems.add("suppressed.comms has " + comms.size() + " names, libsinsp suppresses at most " + MAX_SUPPRESSED);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** The names, trimmed, without empty ones and duplicates; a value may list several, separated by commas (a .cfg line). */
    static List<String> comms(String[] names) {
        Set<String> comms = new LinkedHashSet<>();
        for (String value : names) {
            for (String n : value == null ? new String[0] : value.split(",")) {
                if (!n.trim().isEmpty()) {
                    comms.add(n.trim());
                }
            }
        }
        return List.copyOf(comms);
    }
}
