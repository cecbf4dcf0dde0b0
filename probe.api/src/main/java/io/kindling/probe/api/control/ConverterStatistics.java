package io.kindling.probe.api.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One converter's figures: whether it is active (a converter that emits events of its own is active
 * while a sink subscribes to one of them), the raw events it observed because it needs them, the
 * events it emitted, and the figures it reports itself (for example entries evicted from its caches),
 * in the order the converter gave them, so that summaries print them the same way in every run.
 *
 * @since 1.1
 */
public record ConverterStatistics(String name, boolean active, long observed, long emitted, Map<String, Long> figures) {

    public ConverterStatistics {
        figures = Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }
}
