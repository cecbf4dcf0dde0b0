package io.kindling.probe.core;

import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import java.util.ArrayList;
import io.kindling.probe.api.spi.Converter;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the converters add to routing, computed from the registered converters and the sinks'
 * selections: which converters are active (a converter that emits events is active while some sink
 * subscribes to one of them), the filter that the inspector applies (the sinks' subscriptions plus
 * the active converters' needs), the threadless filter, the converters called on events bound to
 * sinks, and the observers that receive the raw events they need. Immutable once built.
 */
final class ConverterRouting {

    /** An active converter that observes raw events, with its needs compiled. */
    static final class Observer {
        final ConverterEntry entry;
        private final Selection needs;
        private final Selection threadless;

        Observer(ConverterEntry entry, Selection needs, Selection threadless) {
            this.entry = entry;
            this.needs = needs;
            this.threadless = threadless;
        }

        boolean wants(RawEvent raw, int type, int genericSyscall, int category) {
            return raw.hasThread() || raw.kernelContext() ? needs.selects(type, genericSyscall, category)
                    : threadless.selects(type, genericSyscall, category);
        }

        /** An emitter that counts what this converter emits before handing it on. */
        EventEmitter counting(EventEmitter emitter) {
            return event -> {
                entry.emitted.incrementAndGet();
                emitter.emit(event);
            };
        }
    }

    final ConverterEntry[] chain;
    final Observer[] observers;
    final Selection filter;
    final FilterTable threadless;
    /** The converters active with this routing, told so by the event loop at the batch boundary where it applies. */
    final Set<Converter> active;
    /**
     * The most bytes of I/O data that active converters need: of every I/O call ({@link Converter#SNAPLEN}) and of
     * socket I/O ({@link Converter#SOCKET_SNAPLEN}); 0: none asks.
     */
    record Snaplens(int io, int sockets) {
        static final Snaplens NONE = new Snaplens(0, 0);

        Snaplens with(ConverterEntry c) {
            return new Snaplens(Math.max(io, c.snaplen), Math.max(sockets, c.socketSnaplen));
        }
    }

    final Snaplens snaplen;

    private ConverterRouting(ConverterEntry[] chain, Observer[] observers, Selection filter, FilterTable threadless,
            Set<Converter> active, Snaplens snaplen) {
        this.active = active;
        this.snaplen = snaplen;
        this.chain = chain;
        this.observers = observers;
        this.filter = filter;
        this.threadless = threadless;
    }

    /** Computes the routing and sets each entry's {@code active} flag. */
    static ConverterRouting compute(Catalog catalog, Collection<ConverterEntry> converters, Collection<Selection> sinkSelections) {
        ConverterEntry[] sorted = ConverterEntry.sorted(converters);
        Set<Converter> activeConverters = new HashSet<>();
        List<ConverterEntry> chain = new ArrayList<>();
        List<Observer> observers = new ArrayList<>();
        List<Subscription> filter = new ArrayList<>();
        List<Subscription> threadless = new ArrayList<>();
        Snaplens snaplen = Snaplens.NONE;
        for (Selection s : sinkSelections) {
            filter.addAll(s.subscriptions());
        }
        for (ConverterEntry c : sorted) {
            boolean active = c.emits.isEmpty() || sinkSelections.stream().anyMatch(s -> s.selectsAnyName(c.emits));
            c.active = active;
            if (active) {
                activeConverters.add(c.converter);
            }
            if (c.convertible) {
                chain.add(c);
            }
            if (active && c.observes()) {
                observers.add(new Observer(c, Selection.compile(catalog, c.needs), Selection.compile(catalog, c.needsThreadless)));
                filter.addAll(c.needs);
                threadless.addAll(c.needsThreadless);
                snaplen = snaplen.with(c);
            }
        }
        return new ConverterRouting(chain.toArray(new ConverterEntry[0]), observers.toArray(new Observer[0]),
                Selection.compile(catalog, filter), Selection.compile(catalog, threadless).table(), Set.copyOf(activeConverters),
                snaplen);
    }

    /**
     * What the inspector lets through for a benchmark's baseline of these subscriptions: the subscriptions, and the
     * needs of the converters that emit a name they select (so that a subscription to {@code net_request} reads what
     * the request converter reads). No entry is changed.
     */
    static Selection baselineFilter(Catalog catalog, Collection<ConverterEntry> converters, Selection subscriptions) {
        List<Subscription> filter = new ArrayList<>(subscriptions.subscriptions());
        for (ConverterEntry c : converters) {
            if (!c.emits.isEmpty() && subscriptions.selectsAnyName(c.emits) && c.observes()) {
                filter.addAll(c.needs);
            }
        }
        return Selection.compile(catalog, filter);
    }

    /** The names that converters emit, each with the converters that emit it, for the catalog. */
    static Map<String, String> emittedNames(Collection<ConverterEntry> converters) {
        Map<String, String> names = new TreeMap<>();
        Map<String, List<String>> by = new LinkedHashMap<>();
        for (ConverterEntry c : ConverterEntry.sorted(converters)) {
            for (String name : c.emits) {
                by.computeIfAbsent(name, k -> new ArrayList<>()).add(c.name);
            }
        }
        by.forEach((name, list) -> names.put(name, String.join(", ", list)));
        return names;
    }
}
