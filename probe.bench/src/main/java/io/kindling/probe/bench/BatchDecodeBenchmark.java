package io.kindling.probe.bench;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.inspector.NativeInspector;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reading events out of batches that the native shim filled from a real capture, with every event
 * subscribed: the fields the core and the converters read. The batches are taken once and kept (the
 * session lends its buffers, so as many as it has); each invocation walks {@link #EVENTS} events of
 * them from the start. Native reading is not measured here. One operation is one event.
 */
public class BatchDecodeBenchmark extends BenchmarkDefaults {

    /** Events walked per invocation; the kept batches hold at least this many. */
    static final int EVENTS = 16_384;

    private InspectorSession session;
    private final List<RawBatch> batches = new ArrayList<>();
    private Method rewind;
    /** Where addresses are copied, as a converter keeps one. */
    private final byte[] address = new byte[16];

    @Setup(Level.Trial)
    public void open() throws Exception {
        Path capture = Captures.capture();
        NativeInspector inspector = new NativeInspector(Captures.BATCH_BYTES, Captures.BATCH_EVENTS);
        session = inspector.openFile(capture);
        session.setFilter(FilterTable.everything(inspector.eventTable()));
        int held = 0;
        // The session has a few buffers; take batches until they hold enough events or the session
        // has no free buffer left (nextBatch would then wait for ever): it has at least 3.
        while (held < EVENTS && batches.size() < 3) {
            RawBatch batch = session.nextBatch();
            if (batch == null) {
                break;
            }
            batches.add(batch);
            held += batch.size();
        }
        if (held < EVENTS) {
            throw new IllegalStateException("the kept batches hold " + held + " events, fewer than " + EVENTS);
        }
        // BatchView.reset() puts the view back before the first event; it is not part of the API.
        rewind = batches.get(0).getClass().getDeclaredMethod("reset");
        rewind.setAccessible(true);
    }

    @TearDown(Level.Trial)
    public void close() {
        batches.forEach(RawBatch::release);
        batches.clear();
        session.close();
    }

    /** The fields the core reads for every event and the converters for theirs; parameters as numbers and lengths. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void fields(Blackhole bh) throws Exception {
        int left = EVENTS;
        for (RawBatch batch : batches) {
            rewind.invoke(batch);
            while (left > 0 && batch.next()) {
                left--;
                readFields(batch.event(), bh, address);
            }
        }
    }

    /** The same, and the parameters copied as the default attributes copy them (byte arrays for buffers). */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void fieldsAndParameterBytes(Blackhole bh) throws Exception {
        int left = EVENTS;
        for (RawBatch batch : batches) {
            rewind.invoke(batch);
            while (left > 0 && batch.next()) {
                left--;
                RawEvent e = batch.event();
                readFields(e, bh, address);
                int n = Math.min(e.paramCount(), 8);
                for (int i = 0; i < n; i++) {
                    ValueType type = e.paramValueType(i);
                    if (type != ValueType.CHARBUF && type != ValueType.BYTEBUF) {
                        continue;
                    }
                    bh.consume(e.paramBytes(i));
                }
            }
        }
    }

    private static void readFields(RawEvent e, Blackhole bh, byte[] address) {
        bh.consume(e.type());
        bh.consume(e.genericSyscall());
        bh.consume(e.category());
        bh.consume(e.name());
        bh.consume(e.timestamp());
        bh.consume(e.latency());
        if (e.hasThread()) {
            bh.consume(e.pid());
            bh.consume(e.tid());
            bh.consume(e.uid());
            bh.consume(e.gid());
            bh.consume(e.comm());
            bh.consume(e.containerId());
        }
        if (e.hasFd()) {
            bh.consume(e.fdNum());
            FdType fd = e.fdType();
            bh.consume(fd);
            switch (fd) {
                case FILE, FILE_V2, DIRECTORY -> bh.consume(e.fdName());
                case IPV4_SOCK, IPV6_SOCK, IPV4_SERVSOCK, IPV6_SERVSOCK -> {
                    bh.consume(e.l4Protocol());
                    bh.consume(e.serverRole());
                    bh.consume(e.sourceAddress(address));
                    bh.consume(address[0]);
                    bh.consume(e.sourcePort());
                    bh.consume(e.destinationAddress(address));
                    bh.consume(address[0]);
                    bh.consume(e.destinationPort());
                }
                default -> {
                }
            }
        }
        int n = Math.min(e.paramCount(), 8);
        for (int i = 0; i < n; i++) {
            bh.consume(e.paramName(i));
            ValueType type = e.paramValueType(i);
            int len = e.paramLength(i);
            bh.consume(len);
            if (type != ValueType.CHARBUF && type != ValueType.BYTEBUF && (len == 1 || len == 2 || len == 4 || len == 8)) {
                bh.consume(e.paramAsLong(i));
            }
        }
    }
}
