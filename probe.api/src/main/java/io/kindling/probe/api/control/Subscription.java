package io.kindling.probe.api.control;

import io.kindling.probe.api.Category;
import java.util.Objects;

/**
 * An event name and an optional category: {@code syscall_exit-read:net}, {@code syscall_exit-read}
 * (every category) or {@code all} (every event the inspector reads, in every category; the events
 * that converters derive, such as {@code conn_connect} or {@code cpu_event}, are subscribed by name).
 */
public record Subscription(String name, Category category) {

    public static final String ALL = "all";

    public Subscription {
        Objects.requireNonNull(name, "name");
    }

    /** Parses {@code NAME[:CATEGORY]}; the name is not checked here (see {@link EventCatalog}). */
    public static Subscription parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            return new Subscription(t, null);
        }
        String label = t.substring(colon + 1);
        Category category = Category.ofLabel(label);
        if (category == null) {
            throw new IllegalArgumentException("unknown category '" + label + "' in '" + t + "'; categories are "
                    + EventCatalog.categoryLabels());
        }
        return new Subscription(t.substring(0, colon), category);
    }

    public boolean isAll() {
        return ALL.equals(name);
    }

    public boolean matches(String eventName, Category eventCategory) {
        return (isAll() || name.equals(eventName)) && (category == null || category == eventCategory);
    }

    @Override
    public String toString() {
        return category == null ? name : name + ":" + category.label();
    }
}
