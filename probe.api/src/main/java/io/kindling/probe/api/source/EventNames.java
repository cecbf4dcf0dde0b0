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

    /**
     * The name an event is delivered with, from the name it is subscribed by, as the Kindling probe
     * delivers it: libsinsp's name of the event ({@code syscall_exit-read} and {@code syscall_enter-read}
     * give {@code read}, {@code tracepoint-sched_switch} gives {@code switch}, {@code tracepoint-procexit}
     * {@code procexit}), Kindling's kernel events without their probe's kind ({@code kprobe-tcp_close}
     * gives {@code tcp_close}; the socket state changes of {@code tracepoint-inet_sock_set_state}, which
     * Kindling subscribes to as {@code kprobe-tcp_set_state}, give Kindling's {@code tcp_set_state});
     * whether an event is a syscall's entry or exit is in its source. Aliases
     * arrive under the event libsinsp records ({@code syscall_exit-pipe2} selects the events named
     * {@code pipe}). A generic syscall event gets its syscall's name ({@code clock_gettime}), as
     * libsinsp's {@code evt.type} shows it. Other names (the events that converters emit) are their own.
     * @since 1.4
     */
    public static String delivered(String subscriptionName) {
        if (subscriptionName.startsWith(EXIT_PREFIX)) {
            return subscriptionName.substring(EXIT_PREFIX.length());
        }
        if (subscriptionName.startsWith(ENTER_PREFIX)) {
            return subscriptionName.substring(ENTER_PREFIX.length());
        }
        if (subscriptionName.equals("tracepoint-sched_switch")) {
            return "switch";
        }
        if (subscriptionName.equals(SOCKET_STATE_CHANGE) || subscriptionName.equals("kprobe-tcp_set_state")) {
            return "tcp_set_state";
        }
        for (String kind : PROBE_KINDS) {
            if (subscriptionName.startsWith(kind)) {
                return subscriptionName.substring(kind.length());
            }
        }
        return subscriptionName;
    }

    /** The kernel's tracepoint of TCP socket state changes, Kindling's {@code tcp_set_state}. */
    private static final String SOCKET_STATE_CHANGE = "tracepoint-inet_sock_set_state";

    private static final String[] PROBE_KINDS = {"tracepoint-", "kprobe-", "kretprobe-", "uprobe-", "uretprobe-"};
}
