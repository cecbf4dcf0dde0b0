package io.kindling.probe.sink.console;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
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

/**
 * A sink that prints one readable line per event on standard output (see
 * {@link ConsoleLineFormatter}). Off until configured; each factory configuration of
 * {@value #PID} makes one more console sink, for example with other subscriptions.
 * <p>
 * Output is buffered and flushed when a run ends ({@link #flush()}) and when the sink stops.
 */
@Component(name = ConsoleSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@SinkService(sink_name = "console")
public final class ConsoleSink implements Sink {

    /** Component name and configuration PID (factory PID for more than one console sink). */
    public static final String PID = "io.kindling.probe.sink.console";

    private static final int BUFFER_CHARS = 8192;
    /** How long deactivation waits for the last flush. */
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final Object lock = new Object();
    private final StringBuilder line = new StringBuilder(256);
    private Writer out;
    private volatile boolean closed;

    public ConsoleSink() {}

    /** Writes to {@code target} instead of standard output; {@code target} is flushed, never closed. */
    ConsoleSink(OutputStream target) {
        open(target);
    }

    @Activate
    void activate() {
        open(System.out);
    }

    /** Subscriptions, name and queue size are service properties that the core reads: nothing to redo here. */
    @Modified
    void modified() {}

    /**
     * Flushes what is buffered and stops writing. Returns within a few seconds even when standard
     * output is a pipe nobody reads and a delivery is stuck writing into it (that write is left to
     * end, or not, on the sink's own thread).
     */
    @Deactivate
    void deactivate() throws IOException {
        closed = true; // deliveries from now on return at once
        Thread closer = new Thread(() -> {
            synchronized (lock) {
                if (out != null) {
                    try {
                        out.flush();
                    } catch (IOException e) {
                        // standard output is gone: nothing more to write anyway
                    } finally {
                        out = null;
                    }
                }
            }
        }, "kindling-console-sink-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void open(OutputStream target) {
        synchronized (lock) {
            closed = false;
            out = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8), BUFFER_CHARS);
        }
    }

    @Override
    public void deliver(KindlingEvent event) throws IOException {
        if (closed) {
            return;
        }
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
