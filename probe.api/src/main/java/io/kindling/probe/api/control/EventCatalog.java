package io.kindling.probe.api.control;

import io.kindling.probe.api.Category;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Every subscribable event name, and whether the current inspector can produce it. */
public interface EventCatalog {

    /** A subscribable name; {@code producible} is false for names this inspector never emits. */
    record Entry(String name, boolean producible, String origin) {}

    /** All names, sorted. */
    List<Entry> entries();

    /**
     * Checks a subscription. Returns a warning (or {@code null}) for a known name that the current
     * inspector cannot produce; throws {@link IllegalArgumentException} naming the nearest valid
     * names for an unknown one.
     */
    String check(Subscription subscription);

    static String categoryLabels() {
        return Stream.of(Category.values()).filter(c -> c != Category.NONE).map(Category::label)
                .collect(Collectors.joining(", "));
    }
}
