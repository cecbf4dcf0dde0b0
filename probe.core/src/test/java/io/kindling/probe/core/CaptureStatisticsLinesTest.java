package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.control.CaptureStatistics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The capture source's figures as the run's summary and the shell's {@code stats} print them. */
class CaptureStatisticsLinesTest {

    private static CaptureStatistics ebpf(long tampered) {
        return new CaptureStatistics(CaptureStatistics.EBPF, 100, 2, 0, 0, 0, 0, 0, 98, 1, 1, 0, 5, 7, 4, 0, 0, tampered);
    }

    @Test
    void aTamperedRingIsSaidWithTheOtherCounts() {
        List<String> lines = ebpf(3).lines();
        assertEquals(4, lines.size(), lines.toString());
        assertEquals("udig ring       tampered with 3 times: another process wrote its head, tail or snaplen", lines.get(3));
        assertEquals("udig ring       tampered with 1 time: another process wrote its head, tail or snaplen",
                ebpf(1).lines().get(3));
        assertTrue(lines.get(1).startsWith("ebpf source     written 98, dropped 2 (bpf ring full 1, udig ring full 1,"), lines.get(1));
    }

    @Test
    void anUntouchedRingAddsNoLine() {
        assertEquals(3, ebpf(0).lines().size());
        assertEquals(0, new CaptureStatistics(CaptureStatistics.EBPF, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)
                .udigRingTampered());
        assertEquals(List.of(), CaptureStatistics.NONE.lines());
    }
}
