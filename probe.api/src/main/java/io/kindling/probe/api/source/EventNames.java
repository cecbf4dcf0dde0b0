package io.kindling.probe.api.source;

/**
 * How libsinsp's event types are named for subscribers: {@code syscall_enter-<syscall>} and
 * {@code syscall_exit-<syscall>}, generic events by their real syscall, and the scheduler, process
 * exit and signal events as Kindling's tracepoints.
 */
public final class EventNames {
    public static final String ENTER_PREFIX = "syscall_enter-";
    public static final String EXIT_PREFIX = "syscall_exit-";

    private EventNames() {}

    /**
     * The subscription name of a non-generic event type, or {@code null} for libsinsp's own events. A
     * table name that already is a Kindling name ({@code kprobe-tcp_close}: the kernel TCP events that an
     * inspector adds after libsinsp's types; libsinsp's names have no {@code -}) is that name.
     */
    public static String of(EventTable table, int type) {
        String base = table.typeName(type);
        if (base == null || base.isEmpty() || "NA".equals(base)) {
            return null;
        }
        if (base.indexOf('-') > 0) {
            return base;
        }
        switch (base) {
            case "switch":
                return "tracepoint-sched_switch";
            case "procexit":
                return "tracepoint-procexit";
            case "signaldeliver":
                return "tracepoint-signaldeliver";
            default:
                return (table.isEnter(type) ? ENTER_PREFIX : EXIT_PREFIX) + base;
        }
    }

    /** The subscription name of a generic syscall event. */
    public static String ofGeneric(boolean exit, String syscall) {
        return (exit ? EXIT_PREFIX : ENTER_PREFIX) + syscall;
    }
}
