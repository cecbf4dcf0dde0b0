package io.kindling.probe.sink.jsonl;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
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

    @Activate
    void activate(Config config) throws IOException {
        String p = normalize(config.path());
        JsonEventWriter w = open(p);
        synchronized (lock) {
            path = p;
            writer = w;
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
        JsonEventWriter next = open(p);
        JsonEventWriter previous;
        synchronized (lock) {
            previous = writer;
            path = p;
            writer = next;
        }
        if (previous != null) {
            previous.close();
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        JsonEventWriter w;
        synchronized (lock) {
            w = writer;
            writer = null;
        }
        if (w != null) {
            w.close();
        }
    }

    @Override
    public void deliver(KindlingEvent event) throws IOException {
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

    /** The writer for {@code path}, {@code ""} being standard output. */
    static JsonEventWriter open(String path) throws IOException {
        if (path.isEmpty()) {
            return new JsonEventWriter(new UnclosedOutputStream(System.out));
        }
        try {
            // the events hold other processes' data: a new file is readable by the probe's user only
            return new JsonEventWriter(Channels.newOutputStream(Files.newByteChannel(Path.of(path),
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))));
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
