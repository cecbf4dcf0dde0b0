package io.kindling.probe.api.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sink's figures: events handed to it, events it could not take because its queue was full,
 * events whose delivery threw, and events still queued; and, since 1.5, the figures the sink reports
 * itself ({@link io.kindling.probe.api.spi.Sink#statistics()}: for example what it lost after it took
 * it, while its backend was down), counted since the sink started, in the order the sink gives them.
 */
public record SinkStatistics(String name, long delivered, long dropped, long failed, long queued, Map<String, Long> figures) {

    public SinkStatistics {
        figures = figures == null || figures.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }

    /** Figures of a sink that reports none of its own. */
    public SinkStatistics(String name, long delivered, long dropped, long failed, long queued) {
        this(name, delivered, dropped, failed, queued, Map.of());
    }
}
