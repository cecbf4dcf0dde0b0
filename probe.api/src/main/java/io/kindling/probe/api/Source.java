package io.kindling.probe.api;

/** Where an event comes from, with the Kindling probe's codes. */
public enum Source {
    UNKNOWN,
    SYSCALL_ENTER,
    SYSCALL_EXIT,
    TRACEPOINT,
    KPROBE,
    KRETPROBE,
    UPROBE,
    URETPROBE;

    private static final Source[] VALUES = values();

    public int code() {
        return ordinal();
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Source ofCode(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNKNOWN;
    }
}
