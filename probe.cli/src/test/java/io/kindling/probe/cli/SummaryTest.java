package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's optional lines appear only when their figure is not zero. */
class SummaryTest {

    private static final Statistics RUN = new Statistics(1000, Map.of(DropRule.IO_RESULT, 10L), 990, 0,
            List.of(new SinkStatistics("jsonl", 990, 0, 0, 0)), 1_000_000_000L);

    @Test
    void cutEventsAreCountedWhenThereAreSome() {
        List<String> lines = Summary.lines(RUN, 0, 3);
        assertTrue(lines.contains("cut to fit       3 events had their longest parameters cut to fit a batch (raise batch.bytes)"),
                lines.toString());
        assertTrue(Summary.lines(RUN, 0, 0).stream().noneMatch(l -> l.startsWith("cut to fit")));
    }

    @Test
    void theUsualLinesComeInOrder() {
        List<String> lines = Summary.lines(RUN, 2, 0);
        assertEquals("events read      1000", lines.get(0));
        assertTrue(lines.get(1).startsWith("dropped          "), lines.get(1));
        assertEquals("converters only  2 events without thread info (kept from sinks, as no_thread)", lines.get(2));
        assertEquals("sink jsonl       delivered 990, dropped 0, failed 0", lines.get(3));
        assertEquals("rate             1000 events/s", lines.get(4));
        assertEquals("elapsed          1.000 s", lines.get(5));
    }

    @Test
    void theContainerFiguresComeInTheConvertersOrderInEveryRun() {
        Map<String, Long> figures = new LinkedHashMap<>();
        for (String name : List.of("containers_known", "containers_peak", "runtime_connected", "runtime_events", "lookups",
                "lookups_answered", "lookups_failed", "forgotten_removed", "forgotten_idle", "table_full")) {
            figures.put(name, (long) figures.size());
        }
        List<String> lines = Summary.containers(List.of(new ConverterStatistics("container", true, 5, 0, figures)));
        assertEquals(List.of("containers       containers_known 0, containers_peak 1, runtime_connected 2, runtime_events 3, "
                + "lookups 4, lookups_answered 5, lookups_failed 6, forgotten_removed 7, forgotten_idle 8, table_full 9"), lines);
    }
}
