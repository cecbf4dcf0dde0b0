package io.kindling.probe.core;

import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.spi.RawEvent;

/**
 * The last thread context seen per thread id, reused while nothing in it changed, so that a
 * thread's events share one context object. A direct-mapped table: a collision replaces the older
 * entry. Event loop thread only.
 */
final class ThreadContexts {
    private static final int SIZE = 4096;

    private final ThreadContext[] slots = new ThreadContext[SIZE];

    ThreadContext of(RawEvent raw) {
        long tid = raw.tid();
        int slot = (int) (tid ^ (tid >>> 12)) & (SIZE - 1);
        ThreadContext c = slots[slot];
        long pid = raw.pid();
        long uid = raw.uid();
        long gid = raw.gid();
        String comm = raw.comm();
        String container = raw.containerId();
        long vtid = raw.vtid();
        long vpid = raw.vpid();
        if (c != null && c.tid() == tid && c.pid() == pid && c.uid() == uid && c.gid() == gid
                && c.comm().equals(comm) && c.containerId().equals(container) && c.vtid() == vtid && c.vpid() == vpid) {
            return c;
        }
        c = new ThreadContext(pid, tid, uid, gid, comm, container, vpid, vtid);
        slots[slot] = c;
        return c;
    }
}
