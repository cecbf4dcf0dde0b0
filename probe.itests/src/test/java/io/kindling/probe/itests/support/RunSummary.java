package io.kindling.probe.itests.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of the summary that {@code probe replay} prints on standard error:
 * <pre>
 *   events read      345
 *   dropped          own_process 0, internal 260, no_thread 0, io_result 7, unsubscribed 0
 *   emitted          1 by converters
 *   sink jsonl       delivered 78, dropped 0, failed 0
 * </pre>
 * ({@code sinks none} when no sink was bound to the engine).
 */
public record RunSummary(long read, Map<String, Long> dropped, long emitted, Map<String, Long> delivered, boolean noSinks) {

    private static final Pattern READ = Pattern.compile("^\\s+events read\\s+(\\d+)");
    private static final Pattern DROPPED = Pattern.compile("^\\s+dropped\\s+(.*)$");
    private static final Pattern COUNT = Pattern.compile("(\\w+) (\\d+)");
    private static final Pattern EMITTED = Pattern.compile("^\\s+emitted\\s+(\\d+)");
    private static final Pattern SINK = Pattern.compile("^\\s+sink (\\S+)\\s+delivered (\\d+)");
    private static final Pattern NO_SINKS = Pattern.compile("^\\s+sinks\\s+none");

    /** The summary in these standard error lines, or {@code null} when there is none. */
    public static RunSummary parse(List<String> stderr) {
        Long read = null;
        Map<String, Long> dropped = new HashMap<>();
        Map<String, Long> delivered = new HashMap<>();
        boolean noSinks = false;
        long emitted = 0;
        for (String line : stderr) {
            Matcher m;
            if ((m = READ.matcher(line)).find()) {
                read = Long.parseLong(m.group(1));
            } else if ((m = DROPPED.matcher(line)).find()) {
                Matcher c = COUNT.matcher(m.group(1));
                while (c.find()) {
                    dropped.put(c.group(1), Long.parseLong(c.group(2)));
                }
            } else if ((m = EMITTED.matcher(line)).find()) {
                emitted = Long.parseLong(m.group(1));
            } else if ((m = SINK.matcher(line)).find()) {
                delivered.put(m.group(1), Long.parseLong(m.group(2)));
            } else if (NO_SINKS.matcher(line).find()) {
                noSinks = true;
            }
        }
        return read == null ? null : new RunSummary(read, dropped, emitted, delivered, noSinks);
    }

    public long dropped(String rule) {
        return dropped.getOrDefault(rule, 0L);
    }

    /**
     * With {@code --subscribe all} nothing may be dropped as unsubscribed and the sink must have been
     * bound: otherwise the command opened the run before the engine routed to its sink. Returns a
     * description of that failure, or {@code null}.
     */
    public String unboundSinkSymptom(String sinkName) {
        if (noSinks) {
            return "the summary says 'sinks none': the engine had not bound the command's sink when the run started"
                    + " and ended (the command must wait until the engine routes to its sinks: probe.cli"
                    + " CommandSinks.awaitRouted, probe.core ProbeEngine.addSink)";
        }
        if (dropped("unsubscribed") > 0) {
            return "--subscribe all, yet " + dropped("unsubscribed") + " events were dropped as unsubscribed and the sink "
                    + sinkName + " got " + delivered.get(sinkName) + ": the engine bound the sink after the run had set"
                    + " its filter (probe.cli CommandSinks.awaitRouted vs probe.core ProbeEngine.addSink/reroute)";
        }
        return null;
    }
}
