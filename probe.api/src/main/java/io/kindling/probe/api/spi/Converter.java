package io.kindling.probe.api.spi;

import io.kindling.probe.api.KindlingEvent;

/**
 * A converter fills its part of a {@link KindlingEvent}. Converters are whiteboard services: register
 * one and the core runs it, in service-ranking order (highest first), for every event it matches.
 * <p>
 * It matches by the service properties {@link #EVENTS} (event names) and {@link #FD_TYPES} (fd type
 * labels, see {@link io.kindling.probe.api.FdType#label()}); a property that is absent matches
 * everything, and an event must match both. Converters run on the event loop thread only.
 */
public interface Converter {

    /** Service property: the event names this converter handles (String or String[]). */
    String EVENTS = "kindling.converter.events";

    /** Service property: the fd type labels this converter handles (String or String[]). */
    String FD_TYPES = "kindling.converter.fdtypes";

    /** Service property: a short name shown in statistics and in the shell. */
    String NAME = "kindling.converter.name";

    /**
     * Service property (Boolean): this converter writes the event's attributes itself, so the core's
     * default copy of the raw parameters is skipped for the events it matches.
     */
    String PROVIDES_ATTRIBUTES = "kindling.converter.attributes";

    /** Fills the converter's part of {@code event} from {@code raw}; may emit further events. */
    void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter);

    /** Called when a capture ends, so that stateful converters can emit what they hold. */
    default void end(EventEmitter emitter) {}
}
