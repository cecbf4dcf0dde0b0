package io.kindling.probe.api;

import java.util.Locale;

/**
 * The Kindling event categories, with the codes and labels of the Kindling probe. An I/O event
 * takes the category of the file descriptor it works on (file, net or ipc).
 */
public enum Category {
    NONE(0, "none"),
    OTHER(1, "other"),
    FILE(2, "file"),
    NET(3, "net"),
    IPC(4, "ipc"),
    WAIT(5, "wait"),
    SIGNAL(6, "signal"),
    SLEEP(7, "sleep"),
    TIME(8, "time"),
    PROCESS(9, "process"),
    SCHEDULER(10, "scheduler"),
    MEMORY(11, "memory"),
    USER(12, "user"),
    SYSTEM(13, "system");

    /** Number of cells per event type in the filter table. */
    public static final int TABLE_WIDTH = 16;

    private static final Category[] BY_CODE = new Category[TABLE_WIDTH];

    static {
        for (Category c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;
    private final String label;

    Category(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    /** The name used in subscriptions and in JSON output, for example {@code net}. */
    public String label() {
        return label;
    }

    public static Category ofCode(int code) {
        Category c = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return c == null ? OTHER : c;
    }

    /** The category with this label, or {@code null}. {@code none} is not subscribable. */
    public static Category ofLabel(String label) {
        String l = label.toLowerCase(Locale.ROOT);
        for (Category c : values()) {
            if (c != NONE && c.label.equals(l)) {
                return c;
            }
        }
        return null;
    }
}
