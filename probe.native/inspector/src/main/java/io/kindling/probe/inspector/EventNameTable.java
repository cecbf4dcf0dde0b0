package io.kindling.probe.inspector;

import io.kindling.probe.api.source.EventNames;
import io.kindling.probe.api.source.EventTable;

/** The subscription name of every event type and generic syscall, computed once. */
final class EventNameTable {
    private final String[] byType;
    private final String[][] generic;
    private final int genericEnter;

    EventNameTable(EventTable table) {
        byType = new String[table.typeCount()];
        for (int t = 0; t < byType.length; t++) {
            String n = EventNames.of(table, t);
            byType[t] = n == null ? "unknown-" + t : n;
        }
        genericEnter = table.genericEnterType();
        generic = new String[2][table.syscallCount()];
        for (int sc = 0; sc < table.syscallCount(); sc++) {
            String s = table.syscallName(sc);
            generic[0][sc] = EventNames.ofGeneric(false, s);
            generic[1][sc] = EventNames.ofGeneric(true, s);
        }
    }

    String name(int type, int syscall) {
        if (syscall >= 0 && (type == genericEnter || type == genericEnter + 1) && syscall < generic[0].length) {
            return generic[type - genericEnter][syscall];
        }
        return type < byType.length ? byType[type] : "unknown-" + type;
    }
}
