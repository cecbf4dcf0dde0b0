package io.kindling.probe.api.source;

import io.kindling.probe.api.spi.RawEvent;

/** A batch of raw events, read through one reused view. */
public interface RawBatch {

    int size();

    /** Moves the view to the next event; {@code false} when none is left. */
    boolean next();

    /** The view on the current event; valid until {@link #next()} or {@link #release()}. */
    RawEvent event();

    /** Gives the batch's memory back to the inspector. */
    void release();
}
