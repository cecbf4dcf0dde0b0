package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.spi.RawEvent;
import java.util.ArrayDeque;

/** One thread as the CPU converter follows it. Event loop thread only. */
final class ThreadTimeline {
    static final int UNKNOWN = 0;
    static final int ON = 1;
    static final int OFF = 2;

    final long tid;
    private ThreadContext context;

    // what the thread is doing: the last system call it entered, and whether it is still inside
    boolean syscallKnown;
    boolean inside;
    String syscall;
    long fd = -1;
    String fdName = "";
    io.kindling.probe.api.FdType fdType;

    // where it is: on a CPU since, off since, or not known (before its first switch, after a break)
    int state = UNKNOWN;
    int cpu;
    long since;
    boolean exiting;

    // how the off interval in progress is typed, fixed when it began
    int offType;
    boolean offPreempted;
    String offSyscall;
    long offFd;
    String offFdName;

    IntervalList current;
    final ArrayDeque<IntervalList> completed = new ArrayDeque<>();

    ThreadTimeline(long tid) {
        this.tid = tid;
    }

    void context(RawEvent raw) {
        ThreadContext c = context;
        if (c == null || c.pid() != raw.pid() || !c.comm().equals(raw.comm())) {
            context = new ThreadContext(raw.pid(), raw.tid(), raw.uid(), raw.gid(), raw.comm(), raw.containerId());
        }
    }

    /** The thread as last seen; a thread seen only as the next one of switches has no pid yet (0). */
    ThreadContext context() {
        return context != null ? context : new ThreadContext(0, tid, 0, 0, "", "");
    }
}
