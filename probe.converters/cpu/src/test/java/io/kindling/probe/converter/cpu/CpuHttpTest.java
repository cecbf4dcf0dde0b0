package io.kindling.probe.converter.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.testing.Captures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a generated capture with HTTP traffic and context switches (scenario MIXED: the HTTP scenario
 * alone has no switch events): the log of each server thread's cpu_events holds exactly what that
 * thread wrote to its standard output in them, and the off_info of its net intervals names the
 * connection it waited on, as sysdig shows them.
 */
class CpuHttpTest {
    private static Path capture;
    private static List<KindlingEvent> events;

    @BeforeAll
    static void replay(@TempDir Path dir) throws Exception {
        Captures.assumeNative();
        capture = dir.resolve("mixed.scap");
        CaptureGenerator.generate(Scenario.MIXED, 60_000, 3, capture);
        List<ConverterStatistics> stats = new ArrayList<>();
        events = CpuSampleTest.replay(capture, CpuSampleTest.converter(100_000_000L), stats, new long[1]);
        assertTrue(events.size() > 50, "cpu_events: " + events.size());
    }

    private static List<KindlingEvent> of(long tid) {
        return events.stream().filter(e -> e.thread().tid() == tid).toList();
    }

    private static List<Long> serverThreads() throws Exception {
        List<Long> tids = new ArrayList<>();
        for (String l : Captures.sysdig(capture, "%thread.tid", "proc.name=api-server and evt.type=write and fd.num=1")) {
            long t = Long.parseLong(l.trim());
            if (!tids.contains(t)) {
                tids.add(t);
            }
        }
        return tids;
    }

    @Test
    void logHoldsExactlyWhatTheThreadWroteToStandardOutput() throws Exception {
        List<Long> tids = serverThreads();
        assertTrue(!tids.isEmpty());
        int lines = 0;
        for (long tid : tids) {
            TreeMap<Long, String> writes = new TreeMap<>();
            // -b: data in base64, whole
            List<String> out = new ArrayList<>();
            Process p = new ProcessBuilder("sysdig", "-b", "-r", capture.toString(), "-p", "%evt.rawtime %evt.rawarg.res %evt.arg.data",
                    "evt.type=write and evt.dir=< and fd.num=1 and thread.tid=" + tid).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            for (String l : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!l.isBlank()) {
                    out.add(l);
                }
            }
            p.waitFor();
            for (String l : out) {
                String[] f = l.trim().split(" ", 3);
                if (Long.parseLong(f[1]) > 0) {
                    writes.put(Long.parseLong(f[0]), new String(Base64.getDecoder().decode(f[2].trim()), StandardCharsets.UTF_8));
                }
            }
            for (KindlingEvent e : of(tid)) {
                long start = CpuEvents.attr(e, "start_time");
                long end = CpuEvents.attr(e, "end_time");
                String expected = String.join("", writes.subMap(start, end).values());
                String log = e.attribute("log") == null ? "" : e.attribute("log").stringValue();
                assertEquals(expected, log, "thread " + tid + " event at " + start);
                lines += expected.isEmpty() ? 0 : expected.split("\n").length;
            }
        }
        assertTrue(lines > 20, "access log lines found in cpu_events: " + lines);
    }

    private static final Pattern NET = Pattern.compile("\"net\":\\{\"op\":\"([a-z]+)\",\"fd\":(\\d+),\"tuple\":\"([^\"]*)\"");

    @Test
    void netOffTimeNamesTheConnectionWaitedOn() throws Exception {
        List<Long> tids = serverThreads();
        int named = 0;
        for (long tid : tids) {
            // the last call the thread entered before each moment, from sysdig: time -> "op fd name"
            TreeMap<Long, String> entered = new TreeMap<>();
            for (String l : Captures.sysdig(capture, "%evt.rawtime %evt.type %fd.num %fd.name",
                    "evt.dir=> and evt.type!=switch and thread.tid=" + tid)) {
                String[] f = l.trim().split(" ", 4);
                entered.put(Long.parseLong(f[0]), f[1] + " " + f[2] + " " + (f.length > 3 ? f[3] : ""));
            }
            for (KindlingEvent e : of(tid)) {
                List<CpuEvents.Piece> pieces = CpuEvents.pieces(e);
                String offInfo = e.attribute("off_info").stringValue();
                // the off_info entries, one per off interval, in order
                List<String> entries = splitTopLevel(offInfo);
                int k = 0;
                for (CpuEvents.Piece piece : pieces) {
                    if (piece.type() == 0) {
                        continue;
                    }
                    String entry = entries.get(k++);
                    if (piece.type() != 2) {
                        assertTrue(!entry.contains("\"net\""), entry);
                        continue;
                    }
                    Matcher m = NET.matcher(entry);
                    if (piece.start() % 100_000_000L == 0) {
                        continue; // the continuation of an interval cut at the window boundary: the call began before
                    }
                    assertTrue(m.find(), "net interval of " + tid + " at " + piece.start() + " without its connection: " + entry);
                    Map.Entry<Long, String> last = entered.lowerEntry(piece.start() + 1);
                    assertEquals(last.getValue().trim(), (m.group(1) + " " + m.group(2) + " " + m.group(3)).trim());
                    named++;
                }
            }
        }
        assertTrue(named > 5, "net off intervals named: " + named);
    }

    /** Splits a JSON array of objects into its elements' texts. */
    static List<String> splitTopLevel(String array) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        int start = -1;
        for (int i = 0; i < array.length(); i++) {
            char c = array.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                if (depth == 1 && c == '{') {
                    start = i;
                }
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth == 1 && c == '}') {
                    out.add(array.substring(start, i + 1));
                }
            }
        }
        return out;
    }
}
