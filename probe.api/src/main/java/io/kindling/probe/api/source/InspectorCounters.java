package io.kindling.probe.api.source;

/**
 * Counts kept by the inspector: every event read, and the events each drop rule removed before
 * any copy. {@code read == ownProcess + internal + noThread + ioResult + unsubscribed + copied}.
 */
public record InspectorCounters(long read, long ownProcess, long internal, long noThread, long ioResult,
        long unsubscribed, long copied) {

    public static final InspectorCounters ZERO = new InspectorCounters(0, 0, 0, 0, 0, 0, 0);
}
