package io.kindling.probe.api.spi;

import io.kindling.probe.api.KindlingEvent;

/**
 * A sink receives the events it subscribed to. Sinks are whiteboard services: the core delivers to
 * every registered sink whose {@link #SUBSCRIPTIONS} property is not empty. Each sink gets its own
 * bounded queue and delivery thread; a sink that throws or falls behind loses only its own events,
 * which are counted.
 */
public interface Sink {

    /** Service property: subscriptions, each {@code NAME} or {@code NAME:CATEGORY}, or {@code all}. */
    String SUBSCRIPTIONS = "kindling.subscriptions";

    /** Service property: the sink's name in statistics and in the shell (see {@link #nameOf}). */
    String NAME = "kindling.sink.name";

    /**
     * Service property (Integer): how many events the sink's queue holds, exactly; absent or 0: the
     * engine's {@code sink.queue.size} (8192).
     */
    String QUEUE_SIZE = "kindling.sink.queue.size";

    /** Receives one event, on the sink's own delivery thread. */
    void deliver(KindlingEvent event) throws Exception;

    /** Called on the delivery thread when a run has ended and everything queued was delivered. */
    default void flush() throws Exception {}

    /**
     * The sink's own figures, shown beside the engine's for it (in {@code stats}, the sink listing and the
     * probe's metrics), for example what it lost after it took it because its backend was down. Counted since
     * the sink started; called from any thread.
     * @since 1.5
     */
    default java.util.Map<String, Long> statistics() {
        return java.util.Map.of();
    }

    /**
     * The name of the sink registered with these service properties, the same for the engine, the
     * shell and the command line: {@link #NAME}, else the component name, else {@code sink-} and the
     * service id.
     * @since 1.3
     */
    static String nameOf(java.util.Map<String, ?> properties) {
        Object name = properties.get(NAME);
        if (name == null || name.toString().isBlank()) {
            name = properties.get("component.name");
        }
        return name != null ? name.toString() : "sink-" + properties.get("service.id");
    }
}
