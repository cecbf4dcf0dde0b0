package io.kindling.probe.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The figures a sink reports itself are metrics beside the engine's figures for it, parsed as Prometheus parses them. */
class ProbeMetricsTest {

    @Test
    void aSinksOwnFiguresAreMetricsWithTheSinkAndTheFigureAsLabels() throws Exception {
        Map<String, Long> own = new LinkedHashMap<>();
        own.put("spans.dropped.export_failed", 99L);
        own.put("metric.exports.failed", 1L);
        Statistics s = new Statistics(1000, Map.of(DropRule.values()[0], 10L), 990, 0,
                List.of(new SinkStatistics("otlp", 990, 0, 0, 0, own), new SinkStatistics("jsonl", 990, 0, 0, 0)), 1_000_000_000L);
        StringBuilder text = new StringBuilder();
        ProbeMetrics.write(s, text);
        Scrape scrape = Scrape.parse(text.toString());
        assertEquals(Map.of("otlp|spans.dropped.export_failed", 99.0, "otlp|metric.exports.failed", 1.0),
                scrape.values(ProbeMetrics.SINK_FIGURES, "sink", "figure"));
        assertEquals(990.0, scrape.values(ProbeMetrics.SINK_EVENTS, "sink", "outcome").get("otlp|delivered"));
    }
}
