package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.source.FilterTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch memory is read with checks, whatever it holds: a record whose length is not a whole record
 * within the buffer ends the batch, a record whose strings or event run past its own end is not handed
 * out, the record count cannot exceed what the buffer holds, and the filter table answers no for an
 * event type or category beyond its cells.
 */
class BatchChecksTest {
    private static final int CAPACITY = 4096;
    private static final int FIXED = 64;
    private static final int SCAP_HEADER = 26;

    private BatchView view;

    @BeforeEach
    void view() {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
        NativeEventTable table = NativeEventTable.load();
        view = new BatchView(CAPACITY, table, new EventNameTable(table), null, new StringCache(), new StringCache(),
                new StringCache());
        view.memory.clear(); // what the shim did not write reads as zeros
    }

    /** Writes a record at {@code pos}: its length field, the comm, and an empty scap record of timestamp {@code ts}. */
    private int record(int pos, int length, String comm, int commLength, long ts) {
        view.buf.putInt(pos, length);
        view.buf.putShort(pos + 52, (short) commLength);
        byte[] b = comm.getBytes();
        for (int i = 0; i < b.length; i++) {
            view.buf.put(pos + FIXED + i, b[i]);
        }
        int scap = pos + FIXED + b.length;
        view.buf.putLong(scap, ts);
        view.buf.putInt(scap + 16, SCAP_HEADER);
        view.buf.putShort(scap + 20, (short) 1);
        view.buf.putInt(scap + 22, 0);
        return pos + length;
    }

    private void header(int count) {
        view.buf.putInt(0, count);
        view.buf.putInt(8, BatchView.STATUS_MORE);
        view.reset();
    }

    private List<Long> timestamps() {
        List<Long> ts = new ArrayList<>();
        while (view.next()) {
            ts.add(view.event().timestamp());
        }
        return ts;
    }

    private static int aligned(int n) {
        return (n + 7) & ~7;
    }

    @Test
    void aRecordOfLengthZeroIsNeverHandedOut() {
        record(BatchView.HEADER, 0, "app", 3, 100);
        header(3);
        assertEquals(List.of(), timestamps(), "the batch ends at the record whose length is not one");
    }

    @Test
    void aRecordLengthMustBeWholeAlignedAndInsideTheBuffer() {
        int len = aligned(FIXED + 3 + SCAP_HEADER);
        int second = record(BatchView.HEADER, len, "app", 3, 100);
        record(second, len + 3, "app", 3, 200); // not 8-byte aligned
        header(3);
        assertEquals(List.of(100L), timestamps());
        record(second, CAPACITY, "app", 3, 200); // past the end of the buffer
        header(3);
        assertEquals(List.of(100L), timestamps());
        record(second, 16, "app", 3, 200); // shorter than its fixed part
        header(3);
        assertEquals(List.of(100L), timestamps());
    }

    @Test
    void aRecordWhoseStringsRunPastItIsSkipped() {
        int len = aligned(FIXED + 2 + SCAP_HEADER);
        int second = record(BatchView.HEADER, len, "ok", 0xffff, 100); // comm length past the record
        record(second, len, "ok", 2, 200);
        header(2);
        List<String> comms = new ArrayList<>();
        while (view.next()) {
            comms.add(view.event().timestamp() + " " + ((RecordView) view.event()).comm());
        }
        assertEquals(List.of("200 ok"), comms, "the record that does not hold its own strings is not handed out");
    }

    @Test
    void aCountBeyondWhatTheBufferHoldsIsNotBelieved() {
        int len = aligned(FIXED + 2 + SCAP_HEADER);
        int at = BatchView.HEADER;
        for (int i = 0; i < 3; i++) {
            at = record(at, len, "ok", 2, 100 + i);
        }
        view.buf.putInt(at, 0); // what follows is not a record
        header(Integer.MAX_VALUE);
        assertEquals(List.of(100L, 101L, 102L), timestamps());
        header(-5);
        assertEquals(List.of(), timestamps());
    }

    @Test
    void theFilterTableSaysNoBeyondItsCells() {
        FilterTable f = new FilterTable(4);
        f.allowAllCategories(FilterTable.MAX_TYPES - 1);
        assertFalse(f.allows(2000, Category.NET.code()));
        assertFalse(f.allows(-1, Category.NET.code()));
        assertFalse(f.allows(FilterTable.MAX_TYPES - 1, 99));
        assertFalse(f.allows(FilterTable.MAX_TYPES - 1, -1));
        assertFalse(f.allowsGeneric(true, 1, 99));
    }
}
