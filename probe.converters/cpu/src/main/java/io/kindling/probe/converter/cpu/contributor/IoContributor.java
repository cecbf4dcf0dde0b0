package io.kindling.probe.converter.cpu.contributor;

import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a thread read and wrote on one kind of fd: for an off interval of that kind, the call it
 * waited in (operation, fd, name and, once the call returned, bytes); for an on interval, the calls
 * that returned in it (at most {@link #PER_ON_INTERVAL}). The file and net contributors are two of these.
 */
abstract class IoContributor implements CpuContributor {
    static final int PER_ON_INTERVAL = 8;
    /** The calls whose result is a number of bytes. */
    static final java.util.Set<String> TRANSFERS = java.util.Set.of("read", "readv", "pread", "preadv", "recvfrom", "recvmsg",
            "write", "writev", "pwrite", "pwritev", "sendto", "sendmsg", "sendfile", "splice");

    /** One system call on an fd of this kind: entry, exit (-1 until seen), fd, name, result. */
    static final class Call {
        final long enter;
        long exit = -1;
        final String op;
        final long fd;
        final String name;
        long bytes;

        Call(long enter, String op, long fd, String name) {
            this.enter = enter;
            this.op = op;
            this.fd = fd;
            this.name = name;
        }
    }

    private final PerThread<Call> calls;
    private final String key;
    private final int type;

    IoContributor(String key, int type, int threads, int perThread) {
        this.key = key;
        this.type = type;
        this.calls = new PerThread<>(threads, perThread);
    }

    /** Whether the event's fd is of this contributor's kind. */
    abstract boolean mine(RawEvent raw);

    /** The detail of one call: the name of the fd under this contributor's word for it. */
    abstract void name(Map<String, Object> detail, String fdName);

    @Override
    public void observe(RawEvent raw) {
        if (!raw.hasThread() || !raw.hasFd() || raw.fdNum() < 0 || !mine(raw)) {
            return;
        }
        String n = raw.name();
        if (n.startsWith("syscall_enter-")) {
            calls.add(raw.tid(), new Call(raw.timestamp(), n.substring("syscall_enter-".length()), raw.fdNum(), raw.fdName()));
        } else if (n.startsWith("syscall_exit-")) {
            Call c = calls.last(raw.tid());
            String op = n.substring("syscall_exit-".length());
            if (c == null || c.exit >= 0 || !c.op.equals(op)) {
                c = new Call(raw.timestamp() - raw.latency(), op, raw.fdNum(), raw.fdName());
                calls.add(raw.tid(), c);
            }
            c.exit = raw.timestamp();
            int i = raw.paramIndex("res");
            c.bytes = i >= 0 ? raw.paramAsLong(i) : 0;
        }
    }

    @Override
    public void describe(long tid, List<CpuInterval> intervals, CpuDetails details) {
        var list = calls.of(tid);
        if (list.isEmpty()) {
            return;
        }
        for (int k = 0; k < intervals.size(); k++) {
            CpuInterval in = intervals.get(k);
            if (!in.onCpu()) {
                if (in.type() != type) {
                    continue;
                }
                Call waited = null;
                for (Call c : list) {
                    if (c.fd == in.fd() && c.enter <= in.start() && (c.exit < 0 || c.exit >= in.start())) {
                        waited = c;
                    }
                }
                if (waited != null) {
                    details.add(k, key, detail(waited));
                }
            } else {
                List<Object> done = new ArrayList<>();
                for (Call c : list) {
                    if (c.exit >= 0 && in.contains(c.exit) && done.size() < PER_ON_INTERVAL) {
                        done.add(detail(c));
                    }
                }
                if (!done.isEmpty()) {
                    details.add(k, key, done);
                }
            }
        }
        // what ended before this window is no longer needed
        long from = intervals.get(0).start();
        list.removeIf(c -> c.exit >= 0 && c.exit < from);
    }

    private Map<String, Object> detail(Call c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", c.op);
        m.put("fd", c.fd);
        name(m, c.name);
        if (c.exit >= 0) {
            m.put(TRANSFERS.contains(c.op) ? "bytes" : "res", c.bytes);
        }
        return m;
    }

    @Override
    public void threadEnded(long tid) {
        calls.remove(tid);
    }

    @Override
    public void clear() {
        calls.clear();
    }
}
