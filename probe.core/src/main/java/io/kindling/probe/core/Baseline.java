package io.kindling.probe.core;

import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * The benchmark's baseline: a capture read by the inspector alone, with the drop rules and a filter (the subscriptions,
 * and what the converters that emit a subscribed name read), nothing copied.
 */
final class Baseline {
    private Baseline() {}

    static Statistics run(Inspector inspector, Catalog catalog, Collection<ConverterEntry> converters, Path capture,
            Collection<Subscription> subscriptions) throws ProbeException {
        Selection selection = ConverterRouting.baselineFilter(catalog, converters, Selection.compile(catalog, subscriptions));
        try (InspectorSession s = inspector.openFile(capture)) {
            long start = System.nanoTime(); // after the open, as for a run
            s.setFilter(selection.table());
            long passed = s.countRest();
            long elapsed = System.nanoTime() - start;
            InspectorCounters c = s.counters();
            return new Statistics(c.read(), RunFigures.dropRules(c), passed, 0, List.of(), elapsed);
        } catch (InspectorException e) {
            throw new ProbeException(e.getMessage(), e);
        }
    }
}
