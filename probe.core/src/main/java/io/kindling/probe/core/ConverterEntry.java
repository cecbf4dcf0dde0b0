package io.kindling.probe.core;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.RawEvent;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** A registered converter with what it matches, needs and emits, read from its service properties. */
final class ConverterEntry implements Comparable<ConverterEntry> {
    private static final System.Logger LOG = System.getLogger(ConverterEntry.class.getName());

    final Converter converter;
    final String name;
    private final Set<String> events;
    private final EnumSet<FdType> fdTypes;
    final boolean providesAttributes;
    /** Names of the events it emits (empty: none, and then it is always active). */
    final Set<String> emits;
    /** Raw events it observes while active, and those it observes even without thread information. */
    final List<Subscription> needs;
    final List<Subscription> needsThreadless;
    /** Bytes of I/O data it needs while active ({@link Converter#SNAPLEN}), 0 when it says nothing. */
    final int snaplen;
    /** Bytes of socket I/O data it needs while active ({@link Converter#SOCKET_SNAPLEN}), 0 when it says nothing. */
    final int socketSnaplen;
    /** Whether {@link Converter#convert} is called for the events it matches on their way to sinks. */
    final boolean convertible;
    /** Set by the engine's routing: some sink subscribes to a name it emits (or it emits nothing). */
    volatile boolean active;
    final AtomicLong observed;
    final AtomicLong emitted;
    /** Calls to the converter that threw, whatever they threw; shown as its {@code failures} figure. */
    final AtomicLong failures;
    private final int ranking;
    private final long serviceId;

    ConverterEntry(Converter converter, Map<String, ?> props) {
        this(converter, props, null);
    }

    /** An entry that goes on counting where {@code previous} (the same converter's, or null) left off. */
    ConverterEntry(Converter converter, Map<String, ?> props, ConverterEntry previous) {
        this.converter = converter;
        this.observed = previous != null ? previous.observed : new AtomicLong();
        this.emitted = previous != null ? previous.emitted : new AtomicLong();
        this.failures = previous != null ? previous.failures : new AtomicLong();
        this.name = Converter.nameOf(props);
        Set<String> ev = Properties.strings(props.get(Converter.EVENTS));
        this.events = ev.isEmpty() ? null : ev;
        Set<String> fd = Properties.strings(props.get(Converter.FD_TYPES));
        if (fd.isEmpty()) {
            this.fdTypes = null;
        } else {
            this.fdTypes = EnumSet.noneOf(FdType.class);
            for (FdType t : FdType.values()) {
                if (fd.contains(t.label())) {
                    fdTypes.add(t);
                }
            }
        }
        this.providesAttributes = Boolean.parseBoolean(String.valueOf(props.get(Converter.PROVIDES_ATTRIBUTES)));
        this.emits = Set.copyOf(Properties.strings(props.get(Converter.EMITS)));
        this.needs = subscriptions(props.get(Converter.NEEDS), Converter.NEEDS);
        this.needsThreadless = subscriptions(props.get(Converter.NEEDS_THREADLESS), Converter.NEEDS_THREADLESS);
        this.snaplen = snaplenOf(props.get(Converter.SNAPLEN), Converter.SNAPLEN);
        this.socketSnaplen = snaplenOf(props.get(Converter.SOCKET_SNAPLEN), Converter.SOCKET_SNAPLEN);
        this.convertible = events != null || fdTypes != null || (emits.isEmpty() && needs.isEmpty() && needsThreadless.isEmpty());
        Object r = props.get("service.ranking");
        this.ranking = r instanceof Integer i ? i : 0;
        Object id = props.get("service.id");
        this.serviceId = id instanceof Long l ? l : 0L;
    }

    private int snaplenOf(Object value, String property) {
        if (value == null) {
            return 0;
        }
        try {
            int n = value instanceof Number num ? num.intValue() : Integer.parseInt(value.toString().trim());
            return Math.max(0, n);
        } catch (NumberFormatException e) {
            LOG.log(Level.WARNING, "converter " + name + ": " + property + " ignored, not a number: " + value);
            return 0;
        }
    }

    private List<Subscription> subscriptions(Object value, String property) {
        List<Subscription> list = new ArrayList<>();
        for (String text : Properties.strings(value)) {
            try {
                list.add(Subscription.parse(text));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "converter " + name + ": " + property + " entry ignored: " + e.getMessage());
            }
        }
        return List.copyOf(list);
    }

    /** How many failures of one converter are logged; the rest are only counted. */
    private static final long FAILURES_LOGGED = 10;

    /**
     * A call to the converter threw ({@code when}: on which event, or at which moment): counted, and the
     * first ones logged with their stack trace. An {@link Error} too (a class of an uninstalled bundle, a
     * stack overflow, an assertion): the converter's part of the event is lost, the event loop goes on.
     */
    void failed(String when, Throwable e) {
        long n = failures.incrementAndGet();
        if (n <= FAILURES_LOGGED) {
            LOG.log(Level.WARNING, "converter " + name + " failed " + when + ": " + e
                    + (n == FAILURES_LOGGED ? " (further failures are only counted)" : ""), e);
        }
    }

    /** Whether the converter observes raw events (it declared needs). */
    boolean observes() {
        return !needs.isEmpty() || !needsThreadless.isEmpty();
    }

    /**
     * The last name looked up per event type and whether it matched: event names are the same
     * String objects batch after batch, so most events skip the set lookup. Event loop thread only.
     */
    private final String[] lastName = new String[1024];
    private final boolean[] lastMatch = new boolean[1024];

    boolean matches(RawEvent raw) {
        if (events != null && !matchesName(raw)) {
            return false;
        }
        return fdTypes == null || (raw.hasFd() && fdTypes.contains(raw.fdType()));
    }

    private boolean matchesName(RawEvent raw) {
        String name = raw.name();
        int type = raw.type();
        if (type < 0 || type >= lastName.length) {
            return events.contains(name);
        }
        if (lastName[type] != name) {
            lastMatch[type] = events.contains(name);
            lastName[type] = name;
        }
        return lastMatch[type];
    }

    Collection<String> events() {
        return events == null ? Set.of() : events;
    }

    Collection<FdType> fdTypes() {
        return fdTypes == null ? Set.of() : fdTypes;
    }

    int ranking() {
        return ranking;
    }

    @Override
    public int compareTo(ConverterEntry o) {
        int c = Integer.compare(o.ranking, ranking);
        return c != 0 ? c : Long.compare(serviceId, o.serviceId);
    }

    static ConverterEntry[] sorted(Collection<ConverterEntry> entries) {
        ConverterEntry[] a = entries.toArray(new ConverterEntry[0]);
        Arrays.sort(a);
        return a;
    }
}
