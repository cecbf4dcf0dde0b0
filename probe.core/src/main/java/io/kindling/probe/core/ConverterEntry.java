package io.kindling.probe.core;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.RawEvent;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** A registered converter with what it matches, read from its service properties. */
final class ConverterEntry implements Comparable<ConverterEntry> {
    final Converter converter;
    final String name;
    private final Set<String> events;
    private final EnumSet<FdType> fdTypes;
    final boolean providesAttributes;
    private final int ranking;
    private final long serviceId;

    ConverterEntry(Converter converter, Map<String, ?> props) {
        this.converter = converter;
        Object n = props.get(Converter.NAME);
        Object component = props.get("component.name");
        this.name = n != null ? n.toString() : component != null ? component.toString() : converter.getClass().getName();
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
        Object r = props.get("service.ranking");
        this.ranking = r instanceof Integer i ? i : 0;
        Object id = props.get("service.id");
        this.serviceId = id instanceof Long l ? l : 0L;
    }

    boolean matches(RawEvent raw) {
        if (events != null && !events.contains(raw.name())) {
            return false;
        }
        return fdTypes == null || (raw.hasFd() && fdTypes.contains(raw.fdType()));
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
