package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.spi.RawEvent;
import java.util.ArrayDeque;

/**
 * One thread as the CPU converter follows it: what it is doing (the last system call it entered,
 * and whether it is still inside), where it is (on a CPU since, off since, or not known), and its
 * intervals, cut into windows. A window is complete once the thread has an interval in a later
 * window; complete windows wait in {@link #nextComplete} for the converter. Event loop thread only.
 */
final class ThreadTimeline {
    private enum State { UNKNOWN, ON, OFF }

    final long tid;
    private final long windowNanos;
    private final int maxIntervals;
    private ThreadContext context;

    private boolean syscallKnown;
    private boolean inside;
    private String syscall;
    private long fd = -1;
    private String fdName = "";
    private FdType fdType;

    /** Before its first switch, and after a break, where the thread is is not known. */
    private State state = State.UNKNOWN;
    private int cpu;
    private long since;
    private boolean exiting;
    /** Why the thread is off CPU, fixed when it left. */
    private OffCause off;

    private IntervalList current;
    private final ArrayDeque<IntervalList> complete = new ArrayDeque<>();

    /** A timeline cut into windows of {@code windowNanos}, with at most {@code maxIntervals} in an event. */
    ThreadTimeline(long tid, long windowNanos, int maxIntervals) {
        this.tid = tid;
        this.windowNanos = windowNanos;
        this.maxIntervals = maxIntervals;
    }

    void context(RawEvent raw) {
        ThreadContext c = context;
        if (c == null || c.pid() != raw.pid() || !c.comm().equals(raw.comm())) {
            context = new ThreadContext(raw.pid(), raw.tid(), raw.uid(), raw.gid(), raw.comm(), raw.containerId(), raw.vpid(), raw.vtid());
        }
    }

    /** The thread as last seen; a thread seen only as the next one of switches has no pid yet (0). */
    ThreadContext context() {
        return context != null ? context : new ThreadContext(0, tid, 0, 0, "", "");
    }

    /** The thread entered system call {@code name}, on the fd of {@code raw} if it has one. */
    void entered(String name, RawEvent raw) {
        context(raw);
        syscallKnown = true;
        inside = true;
        syscall = name;
        fd = raw.hasFd() ? raw.fdNum() : -1;
        fdName = raw.hasFd() ? raw.fdName() : "";
        fdType = raw.hasFd() ? raw.fdType() : null;
    }

    /** The thread returned from its system call. */
    void exited(RawEvent raw) {
        context(raw);
        syscallKnown = true;
        inside = false;
    }

    /** The process exited: the thread is let go at its last switch out. */
    void exiting() {
        exiting = true;
    }

    boolean isExiting() {
        return exiting;
    }

    boolean isOn(int onCpu) {
        return state == State.ON && cpu == onCpu;
    }

    /**
     * The thread left {@code onCpu} at {@code ts}. Returns false when that does not fit what was seen
     * (it was off, or on another CPU): the timeline {@link #broke}.
     */
    boolean switchedOut(long ts, int onCpu) {
        boolean fits = true;
        if (isOn(onCpu)) {
            add(since, ts, onCpu, null);
        } else if (state != State.UNKNOWN) {
            broke();
            fits = false;
        }
        state = State.OFF;
        since = ts;
        cpu = onCpu;
        off = inside ? OffCause.inside(syscall, fd, fdName, fdType) : OffCause.outside(syscallKnown);
        return fits;
    }

    /**
     * An event of the thread itself at {@code ts} shows it running. Returns true when the converter had
     * it off CPU: the switch that brought it back was not seen (live, the switches away from the probe's
     * own threads are left out with the rest of its events), so it came on at {@code ts} at the latest,
     * and its off interval ends there.
     */
    boolean seenRunning(long ts, int onCpu) {
        if (state != State.OFF || ts <= since) {
            return false;
        }
        switchedIn(ts, onCpu);
        return true;
    }

    /** The thread came on {@code onCpu} at {@code ts}. Returns false when it was on a CPU already: the timeline {@link #broke}. */
    boolean switchedIn(long ts, int onCpu) {
        boolean fits = true;
        if (state == State.OFF) {
            add(since, ts, cpu, off);
        } else if (state == State.ON) {
            broke();
            fits = false;
        }
        state = State.ON;
        since = ts;
        cpu = onCpu;
        return fits;
    }

    /** Switches were missed: what the thread holds is complete, and where it is is no longer known. */
    void broke() {
        finish();
        state = State.UNKNOWN;
    }

    /** The window in progress is complete too: the thread ends, or the capture does. */
    void finish() {
        if (current != null && current.size() > 0) {
            complete.add(current);
        }
        current = null;
    }

    /** The next complete window, oldest first, or null. */
    IntervalList nextComplete() {
        return complete.poll();
    }

    /** Adds an interval, cut at window boundaries; a window that is left behind is complete. */
    private void add(long s, long e, int onCpu, OffCause cause) {
        if (e <= s) {
            return;
        }
        long w = Math.floorDiv(s, windowNanos);
        while (s < e) {
            long pe = Math.min(e, (w + 1) * windowNanos);
            if (current != null && (current.window != w || current.size() >= maxIntervals)) {
                complete.add(current);
                current = null;
            }
            if (current == null) {
                current = new IntervalList(w);
            }
            current.add(s, pe, onCpu, cause);
            s = pe;
            w++;
        }
    }
}
