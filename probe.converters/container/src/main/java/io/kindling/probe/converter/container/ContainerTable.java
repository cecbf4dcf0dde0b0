package io.kindling.probe.converter.container;

import io.kindling.probe.api.ContainerContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The containers the probe knows, by short id: what the runtime said of each, or its id alone until it
 * has answered. Bounded: at most {@code max} containers; a container the runtime reports removed is
 * forgotten at once, and one whose threads made no event for {@code idleSweeps} sweeps is forgotten
 * too (if it comes back, the runtime is asked again). {@link #context} is called on the event loop
 * and never waits; the runtime's answers arrive from other threads.
 */
final class ContainerTable {

    /** What to do with a container seen for the first time: ask the runtime about it, without waiting. */
    interface Lookups {
        /** Queues a lookup of the short id; false when the queue is full (the next event asks again). */
        boolean request(String shortId);
    }

    static final class Entry {
        volatile ContainerContext context;
        /** The sweep during which an event last named it. */
        volatile long seen;
        /** Whether the runtime was asked (or told about it), so that it is asked at most once. */
        volatile boolean asked;

        Entry(ContainerContext context, long sweep) {
            this.context = context;
            this.seen = sweep;
        }
    }

    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final int max;
    private final long idleSweeps;
    private volatile Lookups lookups = id -> false;
    private volatile long sweep;

    final AtomicLong tableFull = new AtomicLong();
    final AtomicLong forgottenRemoved = new AtomicLong();
    final AtomicLong forgottenIdle = new AtomicLong();
    final AtomicLong peak = new AtomicLong();

    ContainerTable(int max, long idleSweeps) {
        this.max = max;
        this.idleSweeps = idleSweeps;
    }

    void lookups(Lookups lookups) {
        this.lookups = lookups;
    }

    /** The short id's context for an event (event loop): what is known now; a new container is looked up. */
    ContainerContext context(String shortId) {
        Entry e = byId.get(shortId);
        if (e == null) {
            if (byId.size() >= max) {
                tableFull.incrementAndGet();
                return ContainerContext.ofId(shortId);
            }
            e = new Entry(ContainerContext.ofId(shortId), sweep);
            Entry before = byId.putIfAbsent(shortId, e);
            if (before != null) {
                e = before;
            } else {
                peak.accumulateAndGet(byId.size(), Math::max);
            }
        }
        long now = sweep;
        if (e.seen != now) {
            e.seen = now;
        }
        if (!e.asked) {
            e.asked = lookups.request(shortId);
        }
        return e.context;
    }

    /** What the runtime said of a container (its answer to a lookup, or its event stream). */
    void describe(ContainerContext context) {
        Entry e = byId.get(context.id());
        if (e == null) {
            if (byId.size() >= max) {
                tableFull.incrementAndGet();
                return;
            }
            e = new Entry(context, sweep);
            Entry before = byId.putIfAbsent(context.id(), e);
            if (before == null) {
                peak.accumulateAndGet(byId.size(), Math::max);
                e.asked = true;
                return;
            }
            e = before;
        }
        e.context = context;
        e.asked = true;
    }

    /** The runtime removed the container. */
    void forget(String shortId) {
        if (byId.remove(shortId) != null) {
            forgottenRemoved.incrementAndGet();
        }
    }

    /** One sweep: containers no event named for idleSweeps sweeps are forgotten. */
    void sweep() {
        long now = ++sweep;
        byId.entrySet().removeIf(en -> {
            if (now - en.getValue().seen > idleSweeps) {
                forgottenIdle.incrementAndGet();
                return true;
            }
            return false;
        });
    }

    int size() {
        return byId.size();
    }

    void clear() {
        byId.clear();
    }
}
