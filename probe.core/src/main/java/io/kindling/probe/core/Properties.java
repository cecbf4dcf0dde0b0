package io.kindling.probe.core;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/** Reads service properties that may be a String, a String[] or a collection. */
public final class Properties {
    private Properties() {}

    public static Set<String> strings(Object value) {
        Set<String> out = new LinkedHashSet<>();
        if (value instanceof String s) {
            add(out, s);
        } else if (value instanceof String[] a) {
            for (String s : a) {
                add(out, s);
            }
        } else if (value instanceof Collection<?> c) {
            for (Object o : c) {
                add(out, String.valueOf(o));
            }
        }
        return out;
    }

    private static void add(Set<String> out, String s) {
        for (String part : s.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
    }

    public static int integer(Object value, int fallback) {
        if (value instanceof Number n) {
            return n.intValue();
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }
}
