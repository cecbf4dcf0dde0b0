package io.kindling.probe.api.control;

import java.util.concurrent.TimeUnit;

/** One reading of a capture or of live events, from open to end. */
public interface Run {

    /** Waits until every event was read and every sink's queue delivered. */
    void await() throws InterruptedException;

    boolean await(long timeout, TimeUnit unit) throws InterruptedException;

    boolean isDone();

    /** Asks the run to end at the next batch boundary. */
    void stop();

    /** Why the run ended early, or {@code null} when it read to the end (or was stopped). */
    String failure();

    Statistics statistics();
}
