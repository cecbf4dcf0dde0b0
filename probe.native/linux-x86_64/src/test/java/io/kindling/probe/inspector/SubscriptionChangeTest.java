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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture file's filters apply from the first event after the batch the core was working on when it set
 * them, although the reader fills batches ahead: with batches of 100 events, writes subscribed after the
 * first batch (or the third) all arrive from there on, and writes unsubscribed after it no longer do. The
 * oracle is the same capture read with every event subscribed.
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
     * The first {@code before} batches read with {@code first}, the core taking its time over each (so that the
     * reader fills batches ahead), then the rest with {@code then}; returns both parts with the oracle, and checks
     * that every copied event counted was handed out once.
     */
    private Read readChanging(FilterTable first, FilterTable then, int before) throws Exception {
        List<String> oracle = oracle();
        List<String> head = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        try (InspectorSession s = inspector.openFile(capture)) {
            s.setFilter(first);
            for (int i = 0; i < before; i++) {
                RawBatch b = s.nextBatch();
                while (b.next()) {
                    head.add(describe(b.event()));
                }
                Thread.sleep(300); // the core at work on its batch: the reader may fill the next ones meanwhile
                if (i == before - 1) {
                    s.setFilter(then);
                }
                b.release();
            }
            for (RawBatch b; (b = s.nextBatch()) != null; ) {
                while (b.next()) {
                    rest.add(describe(b.event()));
                }
                b.release();
            }
            InspectorCounters c = s.counters();
            assertEquals(head.size() + rest.size(), c.copied(), "the events counted as copied are the ones handed out");
        }
        return new Read(oracle, head, rest);
    }

    /** Every event read with every event subscribed; the events read before the change, and after it. */
    private record Read(List<String> oracle, List<String> head, List<String> rest) {}

    /** The index in the oracle after the last event of {@code head}, whose events must be the oracle's, in order. */
    private static int after(List<String> oracle, List<String> head) {
        int k = 0;
        for (String h : head) {
            while (!oracle.get(k).equals(h)) {
                k++;
            }
            k++;
        }
        return k;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void writesSubscribedAfterABatchAllArriveFromTheNext(int before) throws Exception {
        Read read = readChanging(noWrites, everything, before);
        List<String> oracle = read.oracle();
        List<String> head = read.head();
        List<String> rest = read.rest();
        assertTrue(head.stream().noneMatch(SubscriptionChangeTest::isWrite), "no write before the subscription");
        int boundary = after(oracle, head);
        // the last batch before the change may have ended with writes it left out (read, and not subscribed then)
        int from = boundary + oracle.subList(boundary, oracle.size()).indexOf(rest.get(0));
        assertTrue(from >= boundary && oracle.subList(boundary, from).stream().allMatch(SubscriptionChangeTest::isWrite),
                "the rest starts after the batch before the change");
        List<String> expected = oracle.subList(from, oracle.size());
        long writes = expected.stream().filter(SubscriptionChangeTest::isWrite).count();
        assertTrue(writes > 100, writes + " writes after the change");
        assertEquals(writes, rest.stream().filter(SubscriptionChangeTest::isWrite).count(), "every write after the change arrives");
        assertEquals(expected, rest, "every event after the change arrives, in order");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void writesUnsubscribedAfterABatchNoLongerArrive(int before) throws Exception {
        Read read = readChanging(everything, noWrites, before);
        List<String> head = read.head();
        assertEquals(read.oracle().subList(0, head.size()), head);
        List<String> expected = new ArrayList<>(read.oracle().subList(head.size(), read.oracle().size()));
        expected.removeIf(SubscriptionChangeTest::isWrite);
        assertEquals(0, read.rest().stream().filter(SubscriptionChangeTest::isWrite).count(), "no write after the change");
        assertEquals(expected, read.rest(), "every other event after the change arrives, in order");
    }
}
