package io.kindling.probe.testing;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A sink that keeps what it receives. */
public final class Collector implements Sink {
    public final List<KindlingEvent> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void deliver(KindlingEvent event) {
        events.add(event);
    }

    public List<KindlingEvent> named(String name) {
        synchronized (events) {
            return events.stream().filter(e -> e.name().equals(name)).toList();
        }
    }
}
