package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.api.source.EventTable;
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
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture file's filters apply from the first event after the batch the core was working on when it set
 * them, although the reader fills batches ahead: with batches of 100 events, writes subscribed after the
 * first batch all arrive from there on, and writes unsubscribed after it no longer do. The oracle is the
 * same capture read with every event subscribed.
 */
class SubscriptionChangeTest {
    private static final int BATCH_EVENTS = 100;

    @TempDir
    Path dir;

    private Path capture;
    private NativeInspector inspector;
    private FilterTable everything;
    private FilterTable noWrites;

    @BeforeEach
    void setUp() throws Exception {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
        capture = dir.resolve("http.scap");
        CaptureGenerator.generate(Scenario.HTTP, 5_000, 3, capture);
        inspector = new NativeInspector(2 << 20, BATCH_EVENTS);
        EventTable table = inspector.eventTable();
        everything = FilterTable.everything(table);
        noWrites = FilterTable.everything(table);
        for (int type = 0; type < table.typeCount(); type++) {
            if (!table.isEnter(type) && table.typeName(type).equals("write")) {
                java.util.Arrays.fill(noWrites.typeCells(), type * 16, type * 16 + 16, (byte) 0);
            }
        }
    }

    private static String describe(RawEvent e) {
        return e.name() + " " + e.timestamp() + " " + e.tid() + " " + e.fdNum();
    }

    private static boolean isWrite(String described) {
        return described.startsWith("syscall_exit-write ");
    }

    /** Every event, in order, with every event subscribed. */
    private List<String> oracle() throws Exception {
        List<String> all = new ArrayList<>();
        try (InspectorSession s = inspector.openFile(capture)) {
            s.setFilter(everything);
            for (RawBatch b; (b = s.nextBatch()) != null; ) {
                while (b.next()) {
                    all.add(describe(b.event()));
                }
                b.release();
            }
        }
        return all;
    }

    /**
     * The first batch read with {@code first}, then (the reader having had time to fill ahead) the rest with
     * {@code then}; returns both parts and checks that every copied event counted was handed out once.
     */
    private List<List<String>> readChanging(FilterTable first, FilterTable then) throws Exception {
        List<String> head = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        try (InspectorSession s = inspector.openFile(capture)) {
            s.setFilter(first);
            RawBatch b = s.nextBatch();
            while (b.next()) {
                head.add(describe(b.event()));
            }
            Thread.sleep(300); // the core at work on its batch: the reader fills the next ones meanwhile
            s.setFilter(then);
            b.release();
            while ((b = s.nextBatch()) != null) {
                while (b.next()) {
                    rest.add(describe(b.event()));
                }
                b.release();
            }
            InspectorCounters c = s.counters();
            assertEquals(head.size() + rest.size(), c.copied(), "the events counted as copied are the ones handed out");
        }
        return List.of(head, rest);
    }

    /** The oracle's events after the last one of {@code head}, which must be the oracle's first events bar writes. */
    private static List<String> after(List<String> oracle, List<String> head) {
        int k = 0;
        for (String h : head) {
            while (!oracle.get(k).equals(h)) {
                k++;
            }
            k++;
        }
        return oracle.subList(k, oracle.size());
    }

    @Test
    void writesSubscribedAfterTheFirstBatchAllArriveFromTheSecond() throws Exception {
        List<String> oracle = oracle();
        List<List<String>> read = readChanging(noWrites, everything);
        List<String> head = read.get(0);
        assertEquals(BATCH_EVENTS, head.size());
        assertTrue(head.stream().noneMatch(SubscriptionChangeTest::isWrite), "no write before the subscription");
        List<String> expected = after(oracle, head);
        long writes = expected.stream().filter(SubscriptionChangeTest::isWrite).count();
        assertTrue(writes > 100, writes + " writes after the first batch");
        assertEquals(writes, read.get(1).stream().filter(SubscriptionChangeTest::isWrite).count(),
                "every write after the first batch arrives");
        assertEquals(expected, read.get(1), "every event after the first batch arrives, in order");
    }

    @Test
    void writesUnsubscribedAfterTheFirstBatchNoLongerArrive() throws Exception {
        List<String> oracle = oracle();
        List<List<String>> read = readChanging(everything, noWrites);
        List<String> head = read.get(0);
        assertEquals(oracle.subList(0, BATCH_EVENTS), head);
        List<String> expected = new ArrayList<>(oracle.subList(BATCH_EVENTS, oracle.size()));
        expected.removeIf(SubscriptionChangeTest::isWrite);
        assertEquals(0, read.get(1).stream().filter(SubscriptionChangeTest::isWrite).count(),
                "no write after the first batch");
        assertEquals(expected, read.get(1), "every other event after the first batch arrives, in order");
    }
}
