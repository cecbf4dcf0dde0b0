package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.KindlingEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Reads the intervals back out of cpu_events. */
final class CpuEvents {
    private CpuEvents() {}

    record Piece(long tid, long start, long end, int type) {}

    static long tid(KindlingEvent e) {
        return e.thread().tid();
    }

    static long attr(KindlingEvent e, String key) {
        return e.attribute(key).longValue();
    }

    static long[] specs(KindlingEvent e) {
        byte[] b = (byte[]) e.attribute("time_specs").value();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long[] a = new long[b.length / 8];
        for (int i = 0; i < a.length; i++) {
            a[i] = bb.getLong();
        }
        return a;
    }

    static byte[] types(KindlingEvent e) {
        return (byte[]) e.attribute("time_type").value();
    }

    /** The event's intervals, from its start time and the durations. */
    static List<Piece> pieces(KindlingEvent e) {
        List<Piece> list = new ArrayList<>();
        long t = attr(e, "start_time");
        long[] s = specs(e);
        byte[] ty = types(e);
        for (int i = 0; i < s.length; i++) {
            list.add(new Piece(tid(e), t, t + s[i], ty[i]));
            t += s[i];
        }
        return list;
    }
}
