package io.kindling.probe.converter.apm;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gives every event of a thread that Kindling's Java agent named ({@code kd-tm@}) that name as its
 * {@code comm}, from the marker on, as the Kindling probe does. It matches every event and costs one
 * check while no thread is named. Names are learned while the apm converter reads markers, that is while
 * a sink subscribes to one of its events (as Kindling's probe reads them only while it profiles).
 */
@Component(service = Converter.class, property = {
        Converter.NAME + "=java-thread-names",
        "service.ranking:Integer=-100"
})
public final class JavaThreadNameConverter implements Converter {
    private final JavaThreadNames names;

    @Activate
    public JavaThreadNameConverter(@Reference JavaThreadNames names) {
        this.names = names;
    }

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        if (names.size() != 0 && event.thread() != null) {
            event.setThread(names.rename(event.thread()));
        }
    }

    @Override
    public void end(EventEmitter emitter) {
        names.clear();
    }
}
