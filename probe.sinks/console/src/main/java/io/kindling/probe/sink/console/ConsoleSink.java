package io.kindling.probe.sink.console;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A sink that prints one readable line per event on standard output (see
 * {@link ConsoleLineFormatter}). Off until configured; each factory configuration of
 * {@value #PID} makes one more console sink, for example with other subscriptions.
 * <p>
 * Output is buffered and flushed when a run ends ({@link #flush()}) and when the sink stops.
 */
@Component(name = ConsoleSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConsoleSink.Config.class, factory = true)
public final class ConsoleSink implements Sink {

    /** Component name and configuration PID (factory PID for more than one console sink). */
    public static final String PID = "io.kindling.probe.sink.console";

    private static final int BUFFER_CHARS = 8192;

    @ObjectClassDefinition(name = "Kindling Probe console sink",
            description = "Prints one readable line per subscribed event on standard output.")
    public @interface Config {

        @AttributeDefinition(name = "Subscriptions",
                description = "Events to print: each NAME or NAME:CATEGORY (for example syscall_exit-read:net), or all.")
        String[] kindling_subscriptions();

        @AttributeDefinition(name = "Sink name", description = "The sink's name in statistics and in the shell.")
        String kindling_sink_name() default "console";

        @AttributeDefinition(name = "Queue size", min = "1",
                description = "Events the sink's queue holds; when it is full, further events for this sink are dropped and counted.")
        int kindling_sink_queue_size() default 8192;
    }

    private final Object lock = new Object();
    private final StringBuilder line = new StringBuilder(256);
    private Writer out;

    public ConsoleSink() {}

    /** Writes to {@code target} instead of standard output; {@code target} is flushed, never closed. */
    ConsoleSink(OutputStream target) {
        open(target);
    }

    @Activate
    void activate(Config config) {
        open(System.out);
    }

    @Modified
    void modified(Config config) {
        // Subscriptions, name and queue size are service properties that the core reads: nothing to redo here.
    }

    @Deactivate
    void deactivate() throws IOException {
        synchronized (lock) {
            if (out != null) {
                try {
                    out.flush();
                } finally {
                    out = null;
                }
            }
        }
    }

    private void open(OutputStream target) {
        synchronized (lock) {
            out = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8), BUFFER_CHARS);
        }
    }

    @Override
    public void deliver(KindlingEvent event) throws IOException {
        synchronized (lock) {
            if (out == null) {
                return;
            }
            line.setLength(0);
            ConsoleLineFormatter.appendTo(line, event).append('\n');
            out.append(line);
        }
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            if (out != null) {
                out.flush();
            }
        }
    }
}
