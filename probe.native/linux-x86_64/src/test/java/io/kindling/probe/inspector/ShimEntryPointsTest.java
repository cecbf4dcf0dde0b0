package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim's entry points as a caller sees them: every failure on a handle is told by
 * {@code kp_last_error} of that handle, {@code kp_counters} writes no more cells than it is given,
 * and closing a session releases its handle even while its reader is inside a batch.
 */
class ShimEntryPointsTest {

    @TempDir
    Path dir;

    /** The entry points with raw memory, to see what the shim writes around a caller's cells. */
    static final class Raw {
        static {
            Native.register(Raw.class, Shim.LIBRARY);
        }

        static native int kp_counters(long handle, Pointer out, int n);

        static native int kp_set_filter(long handle, Pointer types, int ntypes, Pointer generic, int nsc);
    }

    private static void assumeShim() {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
    }

    private long openCapture(int events) throws Exception {
        Path capture = dir.resolve("http-" + events + ".scap");
        if (!Files.exists(capture)) {
            CaptureGenerator.generate(Scenario.HTTP, events, 3, capture);
        }
        byte[] err = new byte[4096];
        long h = Shim.kp_open_file(capture.toString(), err, err.length);
        assertTrue(h > 0, "cannot open " + capture + ": " + Shim.message(err));
        return h;
    }

    private static String lastError(long h) {
        byte[] b = new byte[4096];
        Shim.kp_last_error(h, b, b.length);
        return Shim.message(b);
    }

    @Test
    void countersWriteNoMoreCellsThanTheCallerGives() throws Exception {
        assumeShim();
        long h = openCapture(1_000);
        try {
            long sentinel = 0x5a5a5a5a5a5a5a5aL;
            Memory cells = new Memory(32 * 8);
            for (int i = 0; i < 32; i++) {
                cells.setLong(i * 8L, sentinel);
            }
            Raw.kp_counters(h, cells, 4);
            for (int i = 4; i < 32; i++) {
                assertEquals(sentinel, cells.getLong(i * 8L), "cell " + i + " is past the 4 given and was written");
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(0, cells.getLong(i * 8L), "counter " + i + " before any batch");
            }
        } finally {
            Shim.kp_close(h);
        }
    }

    @Test
    void aRefusedFilterIsToldByItsHandlesLastError() throws Exception {
        assumeShim();
        long h = openCapture(1_000);
        try {
            Memory small = new Memory(16);
            // more event types than any table has: refused, and the reason is the handle's
            int rc = Raw.kp_set_filter(h, small, Integer.MAX_VALUE, small, 0);
            assertEquals(-1, rc, "the filter was refused");
            String why = lastError(h);
            assertTrue(why.contains("kp_set_filter"), "kp_last_error(h) tells why: '" + why + "'");
        } finally {
            Shim.kp_close(h);
        }
    }

    /**
     * A reader still inside a batch when close() stops waiting for it: the handle is closed all the same
     * (kp_close waits for the batch), so that a live capture and its machine lock never outlive the session.
     */
    @Test
    void closeReleasesTheHandleWhileTheReaderIsInABatch() throws Exception {
        assumeShim();
        Path capture = dir.resolve("http-big.scap");
        CaptureGenerator.generate(Scenario.HTTP, 300_000, 3, capture);
        NativeInspector inspector = new NativeInspector(2 << 20, 8192);
        int leaked = 0;
        for (int round = 0; round < 10; round++) {
            InspectorSession s = inspector.openFile(capture);
            NativeSession session = (NativeSession) s;
            session.joinMillis = 1;
            s.setFilter(FilterTable.everything(inspector.eventTable()));
            for (int i = 0; i < 5; i++) {
                s.nextBatch().release(); // the reader goes on into the next batch
            }
            long h = session.handle();
            s.close();
            if (Shim.kp_set_own_pid(h, 1) == 0) {
                leaked++;
                Shim.kp_close(h);
            }
        }
        assertEquals(0, leaked, "sessions whose handle stayed open after close(), of 10");
    }
}
