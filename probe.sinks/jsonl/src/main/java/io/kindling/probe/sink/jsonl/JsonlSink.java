package io.kindling.probe.sink.jsonl;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A sink that writes the events it receives as JSON Lines (see {@link JsonEventWriter}) to a file,
 * appending, or to standard output. Off until configured; each factory configuration of
 * {@value #PID} makes one more JSON Lines sink.
 * <p>
 * A new file is made readable and writable by the probe's user only (mode 0600: the events carry
 * other processes' data); a file that exists keeps its mode. A file that cannot be opened makes activation fail, with the path and the reason. Output is
 * flushed when a run ends ({@link #flush()}); the file is closed when the sink stops. A change of
 * the path while the sink runs switches to the new file; other changes keep the file open.
 */
@Component(name = JsonlSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@SinkService(sink_name = "jsonl")
@Designate(ocd = JsonlSink.Config.class, factory = true)
public final class JsonlSink implements Sink {

    /** Component name and configuration PID (factory PID for more than one JSON Lines sink). */
    public static final String PID = "io.kindling.probe.sink.jsonl";

    /** The path value, besides the empty one, that means standard output. */
    public static final String STANDARD_OUTPUT = "-";

    @ObjectClassDefinition(name = "Kindling Probe JSON Lines sink",
            description = "Writes each subscribed event as one line of JSON, to a file or to standard output.")
    public @interface Config {
        @AttributeDefinition(name = "Path", required = false,
                description = "File to append the events to; empty or - for standard output.")
        String path() default "";
    }

    private final Object lock = new Object();
    private String path;
    private JsonEventWriter writer;
    /** The file's channel under the writer (null for standard output), closed directly when a write is stuck. */
    private volatile Closeable channel;
    private volatile boolean closed;
    /** How long deactivation waits for the writer to close. */
    private static final long CLOSE_WAIT_MILLIS = 2000;

    @Activate
    void activate(Config config) throws IOException {
        String p = normalize(config.path());
        Closeable[] opened = new Closeable[1];
        JsonEventWriter w = open(p, opened);
        synchronized (lock) {
            path = p;
            writer = w;
            channel = opened[0];
            closed = false;
        }
    }

    @Modified
    void modified(Config config) throws IOException {
        String p = normalize(config.path());
        synchronized (lock) {
            if (p.equals(path)) {
                return;
            }
        }
        Closeable[] opened = new Closeable[1];
        JsonEventWriter next = open(p, opened);
        JsonEventWriter previous;
        synchronized (lock) {
            previous = writer;
            path = p;
            writer = next;
            channel = opened[0];
        }
        if (previous != null) {
            previous.close();
        }
    }

    /**
     * Flushes and closes the file. Returns within a few seconds even when a delivery is stuck
     * writing (a FIFO nobody reads, a hung network file system): then the file is closed under it,
     * which ends that write with an error.
     */
    @Deactivate
    void deactivate() throws IOException {
        closed = true; // deliveries from now on return at once
        Closeable underneath = channel;
        Thread closer = new Thread(() -> {
            JsonEventWriter w;
            synchronized (lock) {
                w = writer;
                writer = null;
            }
            if (w != null) {
                try {
                    w.close();
                } catch (IOException e) {
                    // closed under a stuck write: what was buffered is lost with it
                }
            }
        }, "kindling-jsonl-sink-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(CLOSE_WAIT_MILLIS);
            if (closer.isAlive() && underneath != null) {
                underneath.close();
                closer.join(CLOSE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void deliver(KindlingEvent event) throws IOException {
        if (closed) {
            return;
        }
        synchronized (lock) {
            if (writer != null) {
                writer.write(event);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            if (writer != null) {
                writer.flush();
            }
        }
    }

    private static String normalize(String path) {
        String p = path == null ? "" : path.trim();
        return p.equals(STANDARD_OUTPUT) ? "" : p;
    }

    /** The writer for {@code path}, {@code ""} being standard output; {@code channel[0]} is set to the file's channel (null for standard output). */
    private static JsonEventWriter open(String path, Closeable[] channel) throws IOException {
        if (path.isEmpty()) {
            return new JsonEventWriter(new UnclosedOutputStream(System.out));
        }
        try {
            // the events hold other processes' data: a new file is readable by the probe's user only
            SeekableByteChannel file = Files.newByteChannel(Path.of(path),
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            channel[0] = file;
            return new JsonEventWriter(Channels.newOutputStream(file));
        } catch (InvalidPathException e) {
            throw new IOException("JSON Lines sink: cannot open '" + path + "': invalid path (" + e.getReason() + ")", e);
        } catch (IOException e) {
            throw new IOException("JSON Lines sink: cannot open '" + path + "' for writing: " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Standard output, which the sink flushes but must not close. */
    private static final class UnclosedOutputStream extends FilterOutputStream {
        UnclosedOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
