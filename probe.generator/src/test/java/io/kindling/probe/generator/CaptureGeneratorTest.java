package io.kindling.probe.generator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.generator.internal.Ppm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Format, exactness and determinism checks that need no sysdig. */
class CaptureGeneratorTest {

    @TempDir
    Path dir;

    /** What a structural walk over a capture found. */
    static final class Walk {
        final List<Integer> metadataBlocks = new ArrayList<>();
        final Map<String, Long> byType = new TreeMap<>();
        long events;
        long lastTs;
    }

    /**
     * Walks all blocks the way libscap's reader does: checks the section header, each block's trailer and
     * 4 byte alignment, and for each event the header length, the parameter count of the event table and
     * that the parameter lengths add up to the event length.
     */
    static Walk walk(Path capture) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(capture)).order(ByteOrder.LITTLE_ENDIAN);
        Walk w = new Walk();
        assertEquals(0x0A0D0D0A, b.getInt(0), "section header block type");
        assertEquals(0x1A2B3C4D, b.getInt(8), "byte order magic");
        assertEquals(1, b.getShort(12), "major version");
        assertEquals(2, b.getShort(14), "minor version");
        int pos = 0;
        boolean inEvents = false;
        while (pos < b.limit()) {
            int type = b.getInt(pos);
            int total = b.getInt(pos + 4);
            assertEquals(0, total % 4, "block length alignment");
            assertEquals(total, b.getInt(pos + total - 4), "block trailer at " + pos);
            if (type == 0x216) {
                inEvents = true;
                int ev = pos + 10;
                long ts = b.getLong(ev);
                int len = b.getInt(ev + 16);
                int etype = b.getShort(ev + 20) & 0xffff;
                int nparams = b.getInt(ev + 22);
                assertTrue(etype < Ppm.EVENT_MAX, "event type");
                assertEquals(Ppm.nparams(etype), nparams, "parameters of event type " + etype);
                int sum = 26 + 2 * nparams;
                for (int i = 0; i < nparams; i++) {
                    sum += b.getShort(ev + 26 + 2 * i) & 0xffff;
                }
                assertEquals(len, sum, "event length");
                assertEquals(total, 8 + ((2 + len + 3) & ~3) + 4, "event block length");
                assertTrue(ts >= w.lastTs, "timestamps are monotonic");
                w.lastTs = ts;
                w.events++;
                w.byType.merge(Ppm.name(etype), 1L, Long::sum);
            } else {
                assertTrue(!inEvents, "metadata block after the first event");
                w.metadataBlocks.add(type);
            }
            pos += total;
        }
        assertEquals(b.limit(), pos, "file ends on a block boundary");
        return w;
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void writesExactlyTheRequestedEventsWithTableConformingParameters(Scenario scenario) throws IOException {
        Path out = dir.resolve("c.scap");
        GenerationSummary s = CaptureGenerator.generate(scenario, 25_000, 7, out);
        Walk w = walk(out);
        assertEquals(25_000, w.events);
        assertEquals(s.countsByType(), w.byType);
        assertEquals(s.events(), s.enterEvents() + s.exitEvents());
        assertEquals(s.lastTimestampNs(), w.lastTs);
        // SHB, machine info, interfaces, users, process list, then one fd list per process
        assertEquals(List.of(0x0A0D0D0A, 0x201, 0x219, 0x220, 0x215), w.metadataBlocks.subList(0, 5));
        assertTrue(w.metadataBlocks.subList(5, w.metadataBlocks.size()).stream().allMatch(t -> t == 0x218));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 17, 1000})
    void smallCountsAreExact(long n) throws IOException {
        Path out = dir.resolve("small.scap");
        for (Scenario scenario : Scenario.values()) {
            GenerationSummary s = CaptureGenerator.generate(scenario, n, 99, out);
            assertEquals(n, s.events());
            assertEquals(n, walk(out).events);
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void sameSeedGivesIdenticalBytesAndOtherSeedsDiffer(Scenario scenario) throws IOException {
        Path a = dir.resolve("a.scap");
        Path b = dir.resolve("b.scap");
        Path c = dir.resolve("c.scap");
        CaptureGenerator.generate(scenario, 30_000, 1234, a);
        CaptureGenerator.generate(scenario, 30_000, 1234, b);
        CaptureGenerator.generate(scenario, 30_000, 1235, c);
        assertEquals(-1, Files.mismatch(a, b), "same seed, same bytes");
        assertNotEquals(-1, Files.mismatch(a, c), "different seed, different capture");
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void reportsProgressUpToOneHundredPercent() throws IOException {
        List<double[]> reports = new ArrayList<>();
        CaptureGenerator.generate(Scenario.MIXED, 50_000, 5, dir.resolve("p.scap"),
                (written, total, percent, eps) -> reports.add(new double[] {written, total, percent, eps}));
        assertTrue(!reports.isEmpty());
        double[] last = reports.get(reports.size() - 1);
        assertEquals(50_000, last[0]);
        assertEquals(50_000, last[1]);
        assertEquals(100.0, last[2], 1e-9);
        assertTrue(last[3] > 0);
    }

    @Test
    void summaryCountsAddUp() throws IOException {
        GenerationSummary s = CaptureGenerator.generate(Scenario.MIXED, 40_000, 11, dir.resolve("m.scap"));
        long sum = s.countsByType().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(40_000, sum);
        assertTrue(s.count("switch") > 0 && s.count("accept") > 0 && s.count("openat") > 0 && s.count("futex") > 0);
        assertTrue(s.failedCalls() > 0);
        assertTrue(s.countsLine().contains("switch="));
        assertEquals(0, s.count("no-such-type"));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class,
                () -> CaptureGenerator.generate(Scenario.HTTP, 0, 1, dir.resolve("x.scap")));
        assertThrows(IllegalArgumentException.class, () -> Scenario.fromName("disk"));
        assertEquals(Scenario.SCHED, Scenario.fromName("Sched"));
        assertEquals("mixed", Scenario.MIXED.cliName());
    }
}
