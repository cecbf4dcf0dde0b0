package io.kindling.probe.core;

import io.kindling.probe.api.source.EventNames;
import io.kindling.probe.api.spi.RawEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * The name each raw event is delivered with ({@link EventNames#delivered}), one String per name, so that
 * sinks that cache by name see the same object event after event. Event loop thread only.
 */
final class DeliveredNames {
    private static final int TYPES = 1024;

    private final String[] lastName = new String[TYPES];
    private final String[] lastDelivered = new String[TYPES];
    private final Map<String, String> byName = new HashMap<>();

    String of(RawEvent raw) {
        String name = raw.name();
        int type = raw.type();
        if (type < 0 || type >= TYPES) {
            return lookup(name);
        }
        if (lastName[type] != name) {
            lastDelivered[type] = lookup(name);
            lastName[type] = name;
        }
        return lastDelivered[type];
    }

    private String lookup(String name) {
        String d = byName.get(name);
        if (d == null) {
            if (byName.size() > 4096) {
                byName.clear();
            }
            d = EventNames.delivered(name);
            byName.put(name, d);
        }
        return d;
    }
}
