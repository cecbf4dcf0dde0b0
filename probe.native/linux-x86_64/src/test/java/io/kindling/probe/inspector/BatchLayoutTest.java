package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The records the shim writes, read back through the inspector: whatever the size of the batches
 * (one event each, the smallest buffer, the default), the same events arrive with the same fields
 * and parameters, and each parameter is the bytes of the scap record (checked against the
 * parameter lengths and the values the capture's own structure gives, by type).
 */
class BatchLayoutTest {

    @TempDir
    Path dir;

    /** A capture of ../shared/captures, beside the project (the tests run in probe.native/linux-x86_64). */
    private static Path shared(String name) {
        return Path.of("..", "..", "..", "shared", "captures", name).toAbsolutePath().normalize();
    }

    private static void assumeShim() {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
    }

    /**
     * What {@code f} makes of every event the inspector hands out with every event subscribed, in
     * order; checks that no batch holds more than {@code batchEvents} and that every copied event is
     * handed out once. {@code figures} receives the events read and the events cut to fit a batch.
     */
    private static <T> List<T> readAll(NativeInspector inspector, int batchEvents, Path capture, Function<RawEvent, T> f,
            long[] figures) throws Exception {
        List<T> out = new ArrayList<>();
        try (InspectorSession s = inspector.openFile(capture)) {
            s.setFilter(FilterTable.everything(inspector.eventTable()));
            RawBatch batch;
            while ((batch = s.nextBatch()) != null) {
                try {
                    assertTrue(batch.size() <= batchEvents, "a batch holds at most batch_events events");
                    while (batch.next()) {
                        out.add(f.apply(batch.event()));
                    }
                } finally {
                    batch.release();
                }
            }
            InspectorCounters c = s.counters();
            assertEquals(out.size(), c.copied(), "every copied event is handed out once");
            figures[0] = c.read();
            figures[1] = s.paramsCut();
        }
        return out;
    }

    /** Every field of every event the inspector hands out, as text, in order. */
    private static List<String> read(Path capture, int batchBytes, int batchEvents, long[] figures) throws Exception {
        return readAll(new NativeInspector(batchBytes, batchEvents), batchEvents, capture, BatchLayoutTest::describe, figures);
    }

    private static String describe(RawEvent e) {
        StringBuilder b = new StringBuilder();
        b.append(e.name()).append(' ').append(e.type()).append(' ').append(e.genericSyscall()).append(' ')
                .append(e.category()).append(' ').append(e.source()).append(' ').append(e.timestamp()).append(' ')
                .append(e.latency()).append(' ').append(e.cpu()).append(' ').append(e.hasThread()).append(' ')
                .append(e.pid()).append(' ').append(e.tid()).append(' ').append(e.uid()).append(' ').append(e.gid())
                .append(" [").append(e.comm()).append("] [").append(e.containerId()).append("] ");
        if (e.hasFd()) {
            b.append(e.fdNum()).append(' ').append(e.fdType()).append(" [").append(e.fdName()).append("] ")
                    .append(e.l4Protocol()).append(' ').append(e.serverRole()).append(' ')
                    .append(Arrays.toString(e.sourceAddress())).append(':').append(e.sourcePort()).append(' ')
                    .append(Arrays.toString(e.destinationAddress())).append(':').append(e.destinationPort()).append(' ')
                    .append(e.unixSource()).append(' ').append(e.unixDestination());
        }
        byte[] into = new byte[16];
        byte[] src = e.sourceAddress();
        assertEquals(src.length, e.sourceAddress(into), "source address length, copied");
        assertTrue(Arrays.equals(src, Arrays.copyOf(into, src.length)), "source address, copied");
        byte[] dst = e.destinationAddress();
        assertEquals(dst.length, e.destinationAddress(into), "destination address length, copied");
        assertTrue(Arrays.equals(dst, Arrays.copyOf(into, dst.length)), "destination address, copied");
        b.append(" [params]");
        int n = e.paramCount();
        byte[] packed = e.packedParams(n);
        int at = 4 * n;
        for (int i = 0; i < n; i++) {
            byte[] p = e.paramBytes(i);
            assertEquals(p.length, e.paramLength(i));
            int len = (packed[4 * i] & 0xff) | (packed[4 * i + 1] & 0xff) << 8 | (packed[4 * i + 2] & 0xff) << 16
                    | (packed[4 * i + 3] & 0xff) << 24;
            assertEquals(p.length, len, "packed length of parameter " + i + " of " + e.name());
            assertTrue(Arrays.equals(p, Arrays.copyOfRange(packed, at, at + len)), "packed bytes of parameter " + i);
            at += len;
            if (len == 1 || len == 2 || len == 4 || len == 8) {
                long v = 0;
                for (int k = len - 1; k >= 0; k--) {
                    v = (v << 8) | (p[k] & 0xff);
                }
                int shift = 64 - 8 * len;
                assertEquals((v << shift) >> shift, e.paramAsLong(i), "parameter " + i + " as a number");
            }
            b.append(' ').append(e.paramName(i)).append('=').append(Arrays.toString(p));
        }
        assertEquals(packed.length, at, "packed parameters end with the last one");
        return b.toString();
    }

    private void sameWhateverTheBatches(Path capture, long minEvents) throws Exception {
        long[] read = new long[2];
        List<String> big = read(capture, 2 << 20, 8192, read);
        assertTrue(big.size() >= minEvents, capture + ": " + big.size() + " events");
        long[] read1 = new long[2];
        assertEquals(big, read(capture, 65536, 8192, read1), "64 KiB batches");
        assertEquals(big, read(capture, 2 << 20, 1, read1), "one event per batch");
        assertEquals(read[0], read1[0]);
    }

    @Test
    void realCapturesReadTheSameWhateverTheBatchSize() throws Exception {
        assumeShim();
        Path curl = shared("libs_curl_google.scap");
        assumeTrue(Files.exists(curl), "../shared/captures is absent (a clone without it): the real captures are not read");
        sameWhateverTheBatches(curl, 1000);
        sameWhateverTheBatches(shared("libs_sample.scap"), 200);
        sameWhateverTheBatches(shared("falco_connect_localhost.scap"), 5);
    }

    /** An event's fields (head), its parameters and whether the shim cut them. */
    private record Seen(String head, List<byte[]> params, boolean truncated) {}

    private static Seen seen(RawEvent e) {
        List<byte[]> params = new ArrayList<>();
        for (int i = 0; i < e.paramCount(); i++) {
            params.add(e.paramBytes(i));
        }
        String all = describe(e);
        return new Seen(all.substring(0, all.indexOf(" [params]")), params, e.paramsTruncated());
    }

    /**
     * Batches of 512 bytes, too small for the HTTP payloads: such an event is not lost nor stalls the
     * reader; it arrives alone in its batch with every parameter longer than some bound cut to that
     * bound (halved from 65,535 until the record fits), marked as cut, and all else equal.
     */
    @Test
    void anEventTooBigForAnEmptyBatchArrivesWithItsLongParametersCut() throws Exception {
        assumeShim();
        Path capture = dir.resolve("http.scap");
        CaptureGenerator.generate(Scenario.HTTP, 5_000, 3, capture);
        long[] figures = new long[2];
        List<Seen> whole = readAll(new NativeInspector(2 << 20, 8192), 8192, capture, BatchLayoutTest::seen, figures);
        assertEquals(0, figures[1], "nothing is cut in 2 MiB batches");
        List<Seen> small = readAll(NativeInspector.exactBatches(512, 8192), 8192, capture, BatchLayoutTest::seen, figures);
        assertEquals(whole.size(), small.size(), "every event arrives");
        int cutEvents = 0;
        for (int k = 0; k < whole.size(); k++) {
            Seen w = whole.get(k);
            Seen c = small.get(k);
            assertEquals(w.head(), c.head(), "fields of event " + k);
            assertEquals(w.params().size(), c.params().size(), "parameters of event " + k);
            assertTrue(!w.truncated(), "nothing is cut in 2 MiB batches");
            int bound = -1;
            for (int i = 0; i < w.params().size(); i++) {
                byte[] a = w.params().get(i);
                byte[] b = c.params().get(i);
                assertTrue(b.length <= a.length && Arrays.equals(b, Arrays.copyOf(a, b.length)),
                        "parameter " + i + " of event " + k + " is the start of the value");
                if (b.length < a.length) {
                    assertTrue(bound < 0 || bound == b.length, "one bound per event: " + w.head());
                    bound = b.length;
                }
            }
            assertEquals(bound >= 0, c.truncated(), "marked as cut exactly when a parameter is: " + w.head());
            if (bound >= 0) {
                cutEvents++;
                assertEquals(0, (bound + 1) & bound, "the bound is 65,535 halved: " + bound);
                for (int i = 0; i < w.params().size(); i++) {
                    int len = w.params().get(i).length;
                    assertEquals(Math.min(len, bound), c.params().get(i).length, "parameter " + i + " under the bound is whole");
                }
            }
        }
        assertTrue(cutEvents >= 20 && cutEvents < whole.size() / 2,
                cutEvents + " of " + whole.size() + " events had parameters cut");
        assertEquals(cutEvents, figures[1], "the inspector counts the events it cut");
    }

    @Test
    void generatedCapturesReadTheSameWhateverTheBatchSize() throws Exception {
        assumeShim();
        for (Scenario scenario : Scenario.values()) {
            Path capture = dir.resolve(scenario.cliName() + ".scap");
            CaptureGenerator.generate(scenario, 20_000, 7, capture);
            sameWhateverTheBatches(capture, 10_000);
        }
    }
}
