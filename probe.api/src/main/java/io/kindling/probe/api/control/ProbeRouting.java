package io.kindling.probe.api.control;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The engine's routing, as a service beside {@link ProbeControl}: what it routes with now, and a way
 * to wait until a change (a sink registered or configured, a suppressed process name) is part of it.
 * A change that routing includes applies from the event loop's next batch on.
 *
 * @since 1.3
 */
public interface ProbeRouting {

    /** What the engine routes with now. */
    RoutingView routing();

    /**
     * Waits until {@code condition} holds for what the engine routes with; the condition is checked
     * at once and again after each change of routing. Returns whether it held within the time given.
     */
    boolean awaitRouting(Predicate<? super RoutingView> condition, long timeout, TimeUnit unit) throws InterruptedException;
}
