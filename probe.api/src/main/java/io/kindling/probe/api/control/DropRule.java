package io.kindling.probe.api.control;

/** The rules that drop an event before it is copied, as the Kindling probe applies them. */
public enum DropRule {
    /** Events of the probe's own process. */
    OWN_PROCESS("own_process"),
    /** libsinsp's internal events (EC_INTERNAL). */
    INTERNAL("internal"),
    /** Events without thread information. */
    NO_THREAD("no_thread"),
    /** I/O events whose result is 0 or negative. */
    IO_RESULT("io_result"),
    /** Events that no sink subscribed to. */
    UNSUBSCRIBED("unsubscribed");

    private final String label;

    DropRule(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
