package io.kindling.probe.api.spi;

import io.kindling.probe.api.KindlingEvent;

/** Lets a converter emit events of its own, delivered after the event being converted. */
@FunctionalInterface
public interface EventEmitter {
    void emit(KindlingEvent event);
}
