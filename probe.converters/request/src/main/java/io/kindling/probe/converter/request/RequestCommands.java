package io.kindling.probe.converter.request;

import io.kindling.probe.api.spi.Converter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The shell's {@code probe:requests}: per protocol, the requests of the run so far, error rate, p50 and p99, top content keys. */
@Component(service = RequestCommands.class, property = {"osgi.command.scope=probe", "osgi.command.function=requests"})
public final class RequestCommands {
    private final Converter converter;

    @org.osgi.service.component.annotations.Activate
    public RequestCommands(@Reference(target = "(kindling.converter.name=request)") Converter converter) {
        this.converter = converter;
    }

    /** The summary, one line per protocol. */
    public String requests() {
        return converter instanceof RequestConverter r ? String.join("\n", r.summary().lines()) : "no request converter";
    }
}
