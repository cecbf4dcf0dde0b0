package io.kindling.probe.itests.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The markers that test workloads write, found in the write events a jsonl sink received: the bytes an event wrote
 * are its {@code data} attribute, in base64 (a converter's event may carry a text attribute of that name).
 */
public final class MarkerWrites {

    /** The container tests' markers: {@code ctr-marker-NAME-N}, the workload's name in group 1. */
    public static final Pattern MARKER = Pattern.compile("ctr-marker-([a-z0-9-]+)-(\\d+)");

    private MarkerWrites() {}

    /** The first {@link #MARKER} in the bytes the event wrote; null when it wrote none. */
    public static Matcher find(Map<String, Object> event) {
        return find(event, MARKER);
    }

    /** The first match of {@code pattern} in the bytes the event wrote; null when there is none (or no data). */
    public static Matcher find(Map<String, Object> event, Pattern pattern) {
        Object data = event.get("attributes") instanceof Map<?, ?> attributes ? attributes.get("data") : null;
        if (!(data instanceof String text)) {
            return null;
        }
        String written;
        try {
            written = new String(Base64.getDecoder().decode(text), StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException e) {
            written = text; // a converter's text attribute of that name (java_futex_info's marker), not bytes
        }
        Matcher m = pattern.matcher(written);
        return m.find() ? m : null;
    }
}
