package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * One record schema: the offsets and sizes the Java reader uses are the shim's own, as its structs lay
 * them out (kp_record_layout, from offsetof and sizeof), field by field.
 */
class RecordSchemaTest {

    /** Fields the shim writes that the reader has no use for. */
    private static final Set<String> UNREAD = Set.of("header.bytes_used");

    private static Map<String, List<Integer>> shimLayout() {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
        byte[] out = new byte[8192];
        int n = Shim.kp_record_layout(out, out.length);
        assertTrue(n > 0, "kp_record_layout answered " + n);
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (String line : new String(out, 0, n, java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
            String[] f = line.split("\t");
            assertEquals(4, f.length, line);
            m.put(f[0] + "." + f[1], List.of(Integer.parseInt(f[2]), Integer.parseInt(f[3])));
        }
        return m;
    }

    @Test
    void theReaderUsesTheShimsOffsetsAndSizes() {
        Map<String, List<Integer>> shim = shimLayout();
        Map<String, List<Integer>> java = RecordView.layout();
        for (Map.Entry<String, List<Integer>> e : java.entrySet()) {
            assertEquals(shim.get(e.getKey()), e.getValue(), e.getKey() + ": the shim's [offset, size] against the reader's");
        }
        Set<String> unread = new TreeSet<>(shim.keySet());
        unread.removeAll(java.keySet());
        assertEquals(new TreeSet<>(UNREAD), unread, "fields of the schema the reader does not know");
        assertEquals(RecordView.FIXED, shim.get("record.(size)").get(1));
        assertEquals(BatchView.HEADER, shim.get("header.(size)").get(1));
    }

    @Test
    void aBufferTooSmallIsRefused() {
        shimLayout();
        assertEquals(-1, Shim.kp_record_layout(new byte[16], 16));
    }
}
