package io.kindling.probe.core;

import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.RawEvent;

/** Parameter names and value types per event type, looked up once per type. Event loop thread only. */
final class ParamLayouts {

    record Layout(String[] names, ValueType[] types) {}

    private final Layout[] byType = new Layout[1024];

    Layout of(RawEvent raw, int count) {
        int type = raw.type();
        if (type >= 0 && type < byType.length) {
            Layout l = byType[type];
            if (l != null && l.names().length == count) {
                return l;
            }
            l = read(raw, count);
            byType[type] = l;
            return l;
        }
        return read(raw, count); // events from outside libsinsp's table
    }

    private static Layout read(RawEvent raw, int count) {
        String[] names = new String[count];
        ValueType[] types = new ValueType[count];
        for (int i = 0; i < count; i++) {
            names[i] = raw.paramName(i);
            types[i] = raw.paramValueType(i);
        }
        return new Layout(names, types);
    }
}
