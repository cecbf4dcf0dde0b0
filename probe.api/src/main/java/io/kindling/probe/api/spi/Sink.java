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

    /** Service property: the sink's name in statistics. Defaults to the component name. */
    String NAME = "kindling.sink.name";

    /** Service property (Integer): capacity of the sink's queue in events; the engine's {@code sink.queue.size} (8192) by default. */
    String QUEUE_SIZE = "kindling.sink.queue.size";

    /** Receives one event, on the sink's own delivery thread. */
    void deliver(KindlingEvent event) throws Exception;

    /** Called on the delivery thread when a run has ended and everything queued was delivered. */
    default void flush() throws Exception {}
}
