package io.kindling.probe.inspector;

import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The inspector backed by libsinsp through the native shim. */
@Component(service = Inspector.class, configurationPid = NativeInspector.PID)
@Designate(ocd = NativeInspector.Config.class)
public final class NativeInspector implements Inspector {
    static final String PID = "io.kindling.probe.inspector";
    private static final System.Logger LOG = System.getLogger(NativeInspector.class.getName());

    @ObjectClassDefinition(name = "Kindling native inspector", description = "How events are read from libsinsp")
    public @interface Config {
        @AttributeDefinition(name = "Batch buffer size (bytes)", min = "65536")
        int batch_bytes() default 2 * 1024 * 1024;

        @AttributeDefinition(name = "Events per batch at most", min = "1")
        int batch_events() default 8192;

        @AttributeDefinition(name = "Live: bytes of an I/O buffer kept (snaplen)", min = "1", max = "65000",
                description = "How much of the data of a read, write, send or receive a live capture keeps (libsinsp's snaplen),"
                        + " from 1 to 65000; applies from the next live start")
        int live_snaplen() default LiveSettings.DEFAULT_SNAPLEN;

        @AttributeDefinition(name = "Live: size of the kernel's BPF ring buffer (bytes)", min = "65536",
                description = "A power of two from 65536 to 1 GiB; applies from the next live start; events the programs cannot put in it"
                        + " are counted as dropped (bpf ring full)")
        int live_ring_bytes() default LiveSettings.DEFAULT_RING_BYTES;
    }

    private final NativeEventTable table;
    private final EventNameTable names;
    private volatile int batchBytes;
    private volatile int batchEvents;
    private volatile LiveSettings live = LiveSettings.DEFAULTS;

    @Activate
    public NativeInspector(Config config, Map<String, Object> properties) {
        this(config.batch_bytes(), config.batch_events());
        applyLive(properties, "the defaults apply");
    }

    /**
     * A new configuration: the live settings apply from the next live start (a running capture keeps
     * its own); wrong ones are refused whole, with a log line that says why, and the previous ones stay.
     */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        batchBytes = Math.max(65536, config.batch_bytes());
        batchEvents = Math.max(1, config.batch_events());
        applyLive(properties, "the previous ones stay");
    }

    private void applyLive(Map<String, Object> properties, String otherwise) {
        try {
            live = LiveSettings.of(properties);
        } catch (LiveSettings.Refused e) {
            LOG.log(System.Logger.Level.WARNING, "configuration " + PID + " refused: " + e.getMessage() + "; " + otherwise);
        }
    }

    /** For use outside a framework. */
    public NativeInspector(int batchBytes, int batchEvents) {
        this(NativeEventTable.load(), Math.max(65536, batchBytes), batchEvents);
    }

    /**
     * Batches of exactly {@code batchBytes} (header included), however small: tests use it to make
     * events that do not fit an empty batch.
     */
    static NativeInspector exactBatches(int batchBytes, int batchEvents) {
        return new NativeInspector(NativeEventTable.load(), batchBytes, batchEvents);
    }

    private NativeInspector(NativeEventTable table, int batchBytes, int batchEvents) {
        this.table = table;
        this.names = new EventNameTable(table);
        this.batchBytes = batchBytes;
        this.batchEvents = Math.max(1, batchEvents);
    }

    @Override
    public EventTable eventTable() {
        return table;
    }

    @Override
    public InspectorSession openFile(Path capture) throws InspectorException {
        if (!Files.exists(capture)) {
            throw new InspectorException("no such file: " + capture);
        }
        if (Files.isDirectory(capture)) {
            throw new InspectorException("is a directory, not a capture file: " + capture);
        }
        if (!Files.isReadable(capture)) {
            throw new InspectorException("cannot read " + capture + ": permission denied");
        }
        byte[] err = new byte[4096];
        long h = Shim.kp_open_file(capture.toAbsolutePath().toString(), err, err.length);
        if (h == 0) {
            throw new InspectorException("cannot open capture " + capture + ": " + Shim.message(err));
        }
        return start(h, capture.getFileName().toString(), false);
    }

    @Override
    public InspectorSession openLive() throws InspectorException {
        return openLive(null);
    }

    /** The message of a refusal is one line that says what is missing or who holds the machine. */
    @Override
    public InspectorSession openLive(Path capture) throws InspectorException {
        byte[] err = new byte[4096];
        int[] refusal = new int[1];
        LiveSettings settings = live;
        long h = Shim.kp_open_live(capture == null ? null : capture.toAbsolutePath().toString(), settings.snaplen(),
                settings.ringBytes(), refusal, err, err.length);
        if (h == 0) {
            String message = Shim.message(err);
            throw new InspectorException(refusal[0] == Shim.LIVE_FAILED ? "cannot open live capture: " + message : message);
        }
        return start(h, "live", true);
    }

    /** The live settings in use (ConfigAdmin's, or the defaults outside a framework). */
    public LiveSettings liveSettings() {
        return live;
    }

    /** Sets the live settings outside a framework; a framework sets them through Configuration Admin. */
    public void setLiveSettings(LiveSettings settings) {
        this.live = settings;
    }

    private InspectorSession start(long handle, String label, boolean live) {
        return new NativeSession(handle, table, names, batchBytes, batchEvents, label, live);
    }
}
