package io.kindling.probe.api.spi;

import io.kindling.probe.api.KindlingEvent;

/**
 * A converter fills its part of a {@link KindlingEvent}. Converters are whiteboard services: register
 * one and the core runs it, in service-ranking order (highest first), for every event it matches.
 * <p>
 * It matches by the service properties {@link #EVENTS} (event names) and {@link #FD_TYPES} (fd type
 * labels, see {@link io.kindling.probe.api.FdType#label()}); a property that is absent matches
 * everything, and an event must match both. Converters run on the event loop thread only.
 * <p>
 * A converter that makes events of its own declares their names in {@link #EMITS}; those names
 * become subscribable, and the converter is <em>active</em> only while some sink subscribes to one of
 * them. What an active converter reads is declared in {@link #NEEDS} (and {@link #NEEDS_THREADLESS}):
 * the probe then reads those raw events even when no sink subscribed to them, and hands them to
 * {@link #observe} of the converters that need them, and to nothing else. A converter that declares
 * {@code NEEDS} or {@code EMITS} but neither {@code EVENTS} nor {@code FD_TYPES} is not called
 * through {@link #convert}.
 */
public interface Converter {

    /** Service property: the event names this converter handles (String or String[]). */
    String EVENTS = "kindling.converter.events";

    /** Service property: the fd type labels this converter handles (String or String[]). */
    String FD_TYPES = "kindling.converter.fdtypes";

    /** Service property: a short name shown in statistics and in the shell (see {@link #nameOf}). */
    String NAME = "kindling.converter.name";

    /**
     * The name of the converter registered with these service properties, the same for the engine's
     * statistics and the shell: {@link #NAME}, else the component name, else {@code converter-} and
     * the service id.
     * @since 1.3
     */
    static String nameOf(java.util.Map<String, ?> properties) {
        Object name = properties.get(NAME);
        if (name == null || name.toString().isBlank()) {
            name = properties.get("component.name");
        }
        return name != null ? name.toString() : "converter-" + properties.get("service.id");
    }

    /**
     * Service property (Boolean): this converter writes the event's attributes itself, so the core's
     * default copy of the raw parameters is skipped for the events it matches.
     */
    String PROVIDES_ATTRIBUTES = "kindling.converter.attributes";

    /**
     * Service property: the names of the events this converter emits (String or String[], for example
     * {@code cpu_event} or {@code conn_connect,conn_accept,conn_close}). They are listed in the event
     * catalog, and the converter is active while a sink subscribes to one of them.
     * @since 1.1
     */
    String EMITS = "kindling.converter.emits";

    /**
     * Service property: the raw events this converter needs while it is active, as subscriptions
     * ({@code NAME}, {@code NAME:CATEGORY} or {@code all}). They reach {@link #observe}, whether or not a
     * sink subscribed to them. A converter without {@link #EMITS} is always active.
     * @since 1.1
     */
    String NEEDS = "kindling.converter.needs";

    /**
     * Service property: the raw events this converter needs even when they carry no thread
     * information (for example {@code tracepoint-sched_switch}, whose events from the idle task have
     * none). Such events reach {@link #observe} with {@link RawEvent#hasThread()} false, and never a sink.
     * @since 1.1
     */
    String NEEDS_THREADLESS = "kindling.converter.needs.threadless";

    /**
     * Service property (Integer): how many bytes of the data of each read, write, send or receive this converter
     * needs while it is active. A live capture keeps at least that many (its snaplen is raised while the converter
     * is active, and lowered again when no active converter needs it); a capture file keeps what it was recorded with.
     * A converter that reads only the data of sockets says so with {@link #SOCKET_SNAPLEN} instead.
     * @since 1.4
     */
    String SNAPLEN = "kindling.converter.snaplen";

    /**
     * Service property (Integer): how many bytes of the data of each socket read, write, send or receive this
     * converter needs while it is active (a converter that reads the payloads of connections, such as request
     * analysis). A live capture keeps at least that many of socket I/O only where it can tell sockets from other fds
     * (its own eBPF programs can), so that the file I/O of a busy machine stays at the capture's own snaplen; where it
     * cannot, as with {@link #SNAPLEN}. A capture file keeps what it was recorded with.
     * @since 1.6
     */
    String SOCKET_SNAPLEN = "kindling.converter.snaplen.sockets";

    /** Fills the converter's part of {@code event} from {@code raw}; may emit further events. */
    void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter);

    /**
     * Receives a raw event that this converter declared in {@link #NEEDS} or {@link #NEEDS_THREADLESS},
     * while it is active; the view is valid only during the call. Events emitted here are delivered
     * to the sinks that subscribed to their names.
     * @since 1.1
     */
    default void observe(RawEvent raw, EventEmitter emitter) {}

    /**
     * Adds this converter's part to an event that a converter emitted, before any sink receives it: no raw
     * event's conversion made that event, so {@link #convert} never saw it (the container converter puts the
     * thread's container on a {@code net_request} here). Called on the event loop, for each converter that
     * converts events, in ranking order, and only for an emitted event that some sink selects; the default adds
     * nothing.
     * @since 1.6
     */
    default void enrich(KindlingEvent emitted) {}

    /**
     * Tells the converter that it became active (some sink subscribes to a name it emits) or inactive.
     * Called by the event loop, at the batch boundary from which the change applies, so that a converter
     * sees one state for a whole batch (its {@link #convert} and {@link #observe} agree); a run starts with
     * every converter inactive and ends telling the active ones they are inactive.
     * @since 1.3
     */
    default void activeChanged(boolean active) {}

    /**
     * Called when a capture ends, and when the converter stops being active, so that stateful
     * converters can emit what they hold; afterwards the converter should hold no state of that run.
     */
    default void end(EventEmitter emitter) {}

    /**
     * The converter's own figures for statistics, for example how many cached entries it evicted
     * for lack of room. Called from any thread.
     * @since 1.1
     */
    default java.util.Map<String, Long> statistics() {
        return java.util.Map.of();
    }
}
