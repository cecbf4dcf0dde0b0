package io.kindling.probe.core;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.FilterTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A set of subscriptions compiled into the Kindling probe's filter table (for events the inspector reads)
 * and a list of names (for events that converters emit). Immutable once built.
 */
final class Selection {
    private final FilterTable table;
    private final List<Subscription> subscriptions;
    private final int genericEnter;

    private Selection(FilterTable table, List<Subscription> subscriptions, int genericEnter) {
        this.table = table;
        this.subscriptions = subscriptions;
        this.genericEnter = genericEnter;
    }

    static Selection compile(Catalog catalog, Collection<Subscription> subscriptions) {
        EventTable events = catalog.table();
        FilterTable table = new FilterTable(events.syscallCount());
        int genericEnter = events.genericEnterType();
        for (Subscription s : subscriptions) {
            if (s.isAll()) {
                for (int t = 0; t < events.typeCount(); t++) {
                    allow(table, t, s.category());
                }
                for (int sc = 0; sc < events.syscallCount(); sc++) {
                    allowGeneric(table, false, sc, s.category());
                    allowGeneric(table, true, sc, s.category());
                }
                continue;
            }
            Catalog.Target target = catalog.target(s.name());
            if (target == null) {
                continue;
            }
            for (int t : target.types()) {
                allow(table, t, s.category());
            }
            for (int sc : target.genericSyscalls()) {
                allow(table, genericEnter + (target.exit() ? 1 : 0), s.category());
                allowGeneric(table, target.exit(), sc, s.category());
            }
        }
        return new Selection(table, List.copyOf(subscriptions), genericEnter);
    }

    static Selection union(Catalog catalog, Collection<Selection> selections) {
        List<Subscription> all = new ArrayList<>();
        for (Selection s : selections) {
            all.addAll(s.subscriptions);
        }
        return compile(catalog, all);
    }

    private static void allow(FilterTable table, int type, Category category) {
        if (category == null) {
            table.allowAllCategories(type);
        } else {
            table.allow(type, category);
        }
    }

    private static void allowGeneric(FilterTable table, boolean exit, int sc, Category category) {
        if (category == null) {
            table.allowGenericAllCategories(exit, sc);
        } else {
            table.allowGeneric(exit, sc, category);
        }
    }

    FilterTable table() {
        return table;
    }

    List<Subscription> subscriptions() {
        return subscriptions;
    }

    boolean isEmpty() {
        return subscriptions.isEmpty();
    }

    /** Whether an event the inspector read is selected: the same test the shim makes. */
    boolean selects(int type, int genericSyscall, int category) {
        if (!table.allows(type, category)) {
            return false;
        }
        if (type == genericEnter || type == genericEnter + 1) {
            return table.allowsGeneric(type == genericEnter + 1, genericSyscall, category);
        }
        return true;
    }

    /**
     * Whether some subscription selects one of these names (an emitted event's), whatever its
     * category. {@code all} stands for every event the inspector reads: events that converters
     * derive are subscribed by name.
     */
    boolean selectsAnyName(Collection<String> names) {
        for (Subscription s : subscriptions) {
            if (!s.isAll() && names.contains(s.name())) {
                return true;
            }
        }
        return false;
    }

    /** Whether an event a converter emitted is selected, by its name ({@code all} does not select them). */
    boolean selectsEmitted(String name, Category category) {
        for (Subscription s : subscriptions) {
            if (!s.isAll() && s.matches(name, category)) {
                return true;
            }
        }
        return false;
    }
}
