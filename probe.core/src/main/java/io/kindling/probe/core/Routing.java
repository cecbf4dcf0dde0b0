package io.kindling.probe.core;

import io.kindling.probe.api.control.RoutingView;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The whiteboard's converters and sinks and what the event loop routes with: each sink's channel
 * and selection, the converters' chain and observers, the inspector's filter and threadless filter,
 * and the suppressed process names. Every change makes a new immutable {@link Tables} with a higher
 * version, which the event loop takes at its next batch boundary, and signals {@link #changes()}.
 */
final class Routing {
    private static final System.Logger LOG = System.getLogger(Routing.class.getName());

    /** What one batch is routed with. */
    record Tables(long version, ConverterEntry[] chain, SinkChannel[] routes, ConverterRouting.Observer[] observers,
            Selection union, FilterTable threadless, List<String> suppressed, Set<Converter> active,
            ConverterRouting.Snaplens snaplen) {}

    private final EventTable eventTable;
    private final IntSupplier defaultQueueSize;
    private final Changes changes = new Changes();
    /** Rebuilt when the names that converters emit change. */
    private volatile Catalog catalog;
    private final Map<Converter, ConverterEntry> converters = new ConcurrentHashMap<>();
    private final Map<Sink, SinkChannel> sinks = new ConcurrentHashMap<>();
    private final Map<Sink, Map<String, Object>> sinkProperties = new ConcurrentHashMap<>();
    /** Sinks' latest properties whose subscriptions were refused; tried again when the catalog changes. */
    private final Map<Sink, Map<String, Object>> refused = new ConcurrentHashMap<>();
    private volatile List<String> suppressed = List.of();
    private volatile Tables tables;

    Routing(EventTable eventTable, IntSupplier defaultQueueSize) {
        this.eventTable = eventTable;
        this.defaultQueueSize = defaultQueueSize;
        this.catalog = new Catalog(eventTable, Map.of());
        Selection none = Selection.compile(catalog, List.of());
        this.tables = new Tables(0, new ConverterEntry[0], new SinkChannel[0], new ConverterRouting.Observer[0], none,
                none.table(), List.of(), Set.of(), ConverterRouting.Snaplens.NONE);
    }

    Catalog catalog() {
        return catalog;
    }

    Tables tables() {
        return tables;
    }

    Changes changes() {
        return changes;
    }

    Collection<ConverterEntry> converters() {
        return converters.values();
    }

    Collection<SinkChannel> channels() {
        return sinks.values();
    }

    boolean hasConverter(Converter converter) {
        return converters.containsKey(converter);
    }

    // ---- converters

    /** A converter registered, or changed its properties (it keeps its figures then). */
    synchronized void putConverter(Converter converter, Map<String, Object> props) {
        converters.put(converter, new ConverterEntry(converter, props, converters.get(converter)));
        convertersChanged();
    }

    /** Takes a converter out of routing; returns the version of the tables without it. */
    synchronized long removeConverter(Converter converter) {
        converters.remove(converter);
        convertersChanged();
        return tables.version();
    }

    /** Lists the names converters emit in the catalog (recompiling the sinks' selections when they changed), and reroutes. */
    private void convertersChanged() {
        Map<String, String> emitted = ConverterRouting.emittedNames(converters.values());
        if (!emitted.equals(catalog.emittedByConverters())) {
            catalog = new Catalog(eventTable, emitted);
            sinks.forEach((sink, channel) -> {
                Map<String, Object> wanted = refused.get(sink);
                if (wanted != null && SinkSubscriptions.problem(catalog, wanted) == null) {
                    refused.remove(sink);
                    sinkProperties.put(sink, wanted);
                    LOG.log(Level.INFO, "sink " + channel.name() + ": its subscriptions are accepted now");
                }
                channel.setSelection(selectionOf(sinkProperties.getOrDefault(sink, Map.of())));
            });
        }
        reroute();
    }

    // ---- sinks

    /**
     * A sink registered or changed its properties. A wrong configuration is refused whole: the sink
     * keeps what it had (nothing, when it is new). A new name or queue size gives it a new channel in the
     * same change of tables, so that no event goes to neither: the new channel delivers once the old one,
     * returned here with the version from which it gets no events, is closed.
     */
    synchronized Removed putSink(Sink sink, Map<String, Object> props) {
        boolean remake = remakes(sink, props);
        String name = uniqueName(sink, Sink.nameOf(props), props);
        String problem = SinkSubscriptions.problem(catalog, props);
        if (problem != null) {
            refused.put(sink, props);
            Map<String, Object> previous = sinkProperties.get(sink);
            LOG.log(Level.WARNING, "sink " + name + ": subscriptions refused: " + problem
                    + (previous == null ? "; it receives nothing until they are fixed"
                            : "; it keeps " + Properties.strings(previous.get(Sink.SUBSCRIPTIONS))));
            props = previous != null ? previous : withoutSubscriptions(props);
        } else {
            refused.remove(sink);
        }
        sinkProperties.put(sink, props);
        Selection selection = selectionOf(props);
        SinkChannel existing = sinks.get(sink);
        if (existing != null && !remake) {
            existing.setSelection(selection);
        } else {
            int size = Properties.integer(props.get(Sink.QUEUE_SIZE), 0);
            sinks.put(sink, new SinkChannel(sink, name, selection, size > 0 ? size : defaultQueueSize.getAsInt(), existing));
        }
        reroute();
        return new Removed(remake ? existing : null, tables.version());
    }

    /**
     * Whether new properties of a registered sink change what its channel was made with (its name or its
     * queue size): the channel is then replaced.
     */
    private boolean remakes(Sink sink, Map<String, Object> props) {
        SinkChannel existing = sinks.get(sink);
        Map<String, Object> previous = sinkProperties.get(sink);
        return existing != null && previous != null
                && (!existing.name().equals(uniqueName(sink, Sink.nameOf(props), props))
                        || Properties.integer(previous.get(Sink.QUEUE_SIZE), 0) != Properties.integer(props.get(Sink.QUEUE_SIZE), 0));
    }

    /**
     * The name, or when another sink has it already (two unnamed configurations of one sink component), the
     * name and the sink's service id, so that each sink's statistics and metrics have a name of their own.
     */
    private String uniqueName(Sink sink, String name, Map<String, Object> props) {
        String candidate = name;
        Object id = props.get("service.id");
        for (int n = 2; taken(sink, candidate); n++) {
            candidate = name + "-" + (id != null && n == 2 ? id : n);
        }
        return candidate;
    }

    private boolean taken(Sink sink, String name) {
        for (Map.Entry<Sink, SinkChannel> e : sinks.entrySet()) {
            if (e.getKey() != sink && e.getValue().name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Takes the sink out of routing; returns its channel (null if it had none) and the version without it. */
    synchronized Removed removeSink(Sink sink) {
        SinkChannel channel = sinks.remove(sink);
        sinkProperties.remove(sink);
        refused.remove(sink);
        reroute();
        return new Removed(channel, tables.version());
    }

    record Removed(SinkChannel channel, long version) {}

    private static Map<String, Object> withoutSubscriptions(Map<String, Object> props) {
        Map<String, Object> copy = new HashMap<>(props);
        copy.remove(Sink.SUBSCRIPTIONS);
        return copy;
    }

    private Selection selectionOf(Map<String, Object> props) {
        List<Subscription> subs = new ArrayList<>();
        for (String text : Properties.strings(props.get(Sink.SUBSCRIPTIONS))) {
            try {
                Subscription s = Subscription.parse(text);
                String warning = catalog.check(s);
                if (warning != null) {
                    LOG.log(Level.DEBUG, warning);
                }
                subs.add(s);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "sink subscription ignored: " + e.getMessage());
            }
        }
        return Selection.compile(catalog, subs);
    }

    // ---- suppressed processes

    /** New suppressed process names: the event loop hands those it has not yet to the inspector at its next batch. */
    synchronized void suppress(List<String> comms) {
        suppressed = List.copyOf(comms);
        reroute();
    }

    List<String> suppressed() {
        return suppressed;
    }

    // ---- the tables

    private synchronized void reroute() {
        SinkChannel[] active = sinks.values().stream().filter(c -> !c.selection().isEmpty()).toArray(SinkChannel[]::new);
        List<Selection> selections = new ArrayList<>();
        for (SinkChannel c : active) {
            selections.add(c.selection());
        }
        ConverterRouting converterRouting = ConverterRouting.compute(catalog, converters.values(), selections);
        tables = new Tables(tables.version() + 1, converterRouting.chain, active, converterRouting.observers,
                converterRouting.filter, converterRouting.threadless, suppressed, converterRouting.active,
                converterRouting.snaplen);
        changes.signal();
    }

    synchronized RoutingView view() {
        Map<String, List<Subscription>> bySink = new TreeMap<>();
        for (SinkChannel c : sinks.values()) {
            bySink.put(c.name(), c.selection().subscriptions());
        }
        Selection u = tables.union();
        int cells = 0;
        for (byte b : u.table().typeCells()) {
            cells += b != 0 ? 1 : 0;
        }
        return new RoutingView(bySink, u.subscriptions(), cells, suppressed);
    }
}
