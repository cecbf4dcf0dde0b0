package io.kindling.probe.converter.cpu.contributor;

import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Waits in epoll, poll and select: for such off time the fds waited on and what became ready
 * ({@code "wait"} in off_info). {@code poll} names its fds; for the others (whose arguments this
 * libsinsp does not record) the fds are those the thread found ready after its earlier waits. What
 * became ready is what the thread then worked on, until its next wait: each fd (other than regular
 * files) with the first call made on it ({@code accept}, {@code read}, ...) and its name.
 */
@Component(service = CpuContributor.class, property = CpuContributor.NAME + "=epoll")
public final class EpollContributor implements CpuContributor {
    private static final Set<String> WAITS = Set.of("epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select",
            "pselect6", "_newselect");
    private static final int MAX_FDS = 32;

    private static final class Wait {
        final long enter;
        final String op;
        final List<Long> fds;
        long exit = -1;
        long res;
        final Map<Long, Map<String, Object>> ready = new LinkedHashMap<>();

        Wait(long enter, String op, List<Long> fds) {
            this.enter = enter;
            this.op = op;
            this.fds = fds;
        }
    }

    private final PerThread<Wait> waits = new PerThread<>(4096, 16);
    /** Per thread, the fds found ready after its waits, newest last. */
    private final Map<Long, LinkedHashSet<Long>> seenReady = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, LinkedHashSet<Long>> eldest) {
            return size() > 4096;
        }
    };

    @Override
    public void observe(RawEvent raw) {
        if (!raw.hasThread()) {
            return;
        }
        String n = raw.name();
        long tid = raw.tid();
        if (n.startsWith("syscall_enter-")) {
            String op = n.substring("syscall_enter-".length());
            if (WAITS.contains(op)) {
                List<Long> fds = op.equals("poll") ? pollFds(raw) : new ArrayList<>(seen(tid));
                waits.add(tid, new Wait(raw.timestamp(), op, fds));
            }
            return;
        }
        if (!n.startsWith("syscall_exit-")) {
            return;
        }
        String op = n.substring("syscall_exit-".length());
        Wait w = waits.last(tid);
        if (w == null) {
            return;
        }
        if (WAITS.contains(op)) {
            if (w.exit < 0 && w.op.equals(op)) {
                w.exit = raw.timestamp();
                int i = raw.paramIndex("res");
                w.res = i >= 0 ? raw.paramAsLong(i) : 0;
            }
            return;
        }
        if (w.exit >= 0 && raw.hasFd() && raw.fdNum() >= 0 && pollable(raw.fdType()) && !w.ready.containsKey(raw.fdNum())
                && w.ready.size() < MAX_FDS) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fd", raw.fdNum());
            m.put("op", op);
            m.put("name", raw.fdName());
            w.ready.put(raw.fdNum(), m);
            LinkedHashSet<Long> s = seenReady.computeIfAbsent(tid, k -> new LinkedHashSet<>());
            s.remove(raw.fdNum());
            s.add(raw.fdNum());
            while (s.size() > MAX_FDS) {
                s.remove(s.iterator().next());
            }
        }
    }

    /** Regular files and directories are always ready: they tell nothing about a wait. */
    private static boolean pollable(io.kindling.probe.api.FdType type) {
        return !type.isFile() && type != io.kindling.probe.api.FdType.DIRECTORY;
    }

    private LinkedHashSet<Long> seen(long tid) {
        LinkedHashSet<Long> s = seenReady.get(tid);
        return s != null ? s : new LinkedHashSet<>();
    }

    /** poll's {@code fds} (PT_FDLIST): a u16 count, then per fd an i64 fd and i16 events. */
    private static List<Long> pollFds(RawEvent raw) {
        List<Long> fds = new ArrayList<>();
        int i = raw.paramIndex("fds");
        if (i < 0) {
            return fds;
        }
        ByteBuffer b = ByteBuffer.wrap(raw.paramBytes(i)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 2) {
            return fds;
        }
        int count = b.getShort() & 0xffff;
        for (int k = 0; k < count && b.remaining() >= 10 && fds.size() < MAX_FDS; k++) {
            fds.add(b.getLong());
            b.getShort();
        }
        return fds;
    }

    @Override
    public void describe(long tid, List<CpuInterval> intervals, CpuDetails details) {
        var list = waits.of(tid);
        for (int k = 0; k < intervals.size(); k++) {
            CpuInterval in = intervals.get(k);
            if (in.onCpu() || in.type() != CpuType.EPOLL) {
                continue;
            }
            Wait w = null;
            for (Wait x : list) {
                if (x.enter <= in.start() && (x.exit < 0 || x.exit >= in.start())) {
                    w = x;
                }
            }
            if (w == null) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("op", w.op);
            m.put("fds", w.fds);
            if (w.exit >= 0) {
                m.put("res", w.res);
            }
            m.put("ready", new ArrayList<>(w.ready.values()));
            details.add(k, "wait", m);
        }
    }

    @Override
    public void threadEnded(long tid) {
        waits.remove(tid);
        seenReady.remove(tid);
    }

    @Override
    public void clear() {
        waits.clear();
        seenReady.clear();
    }
}
