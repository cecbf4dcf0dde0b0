package io.kindling.probe.converter.cpu.contributor;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A contributor's cache: per thread, the last {@code perThread} entries; at most {@code threads}
 * threads, the least recently used one dropped beyond. Event loop thread only.
 */
final class PerThread<E> {
    private final int perThread;
    private final Map<Long, ArrayDeque<E>> map;

    PerThread(int threads, int perThread) {
        this.perThread = Math.max(1, perThread);
        int max = Math.max(1, threads);
        this.map = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ArrayDeque<E>> eldest) {
                return size() > max;
            }
        };
    }

    /** Adds an entry for the thread, dropping its oldest beyond the bound. */
    void add(long tid, E entry) {
        ArrayDeque<E> q = map.computeIfAbsent(tid, k -> new ArrayDeque<>());
        if (q.size() >= perThread) {
            q.pollFirst();
        }
        q.addLast(entry);
    }

    /** The thread's entries, oldest first (empty when none), live. */
    ArrayDeque<E> of(long tid) {
        ArrayDeque<E> q = map.get(tid);
        return q != null ? q : new ArrayDeque<>(0);
    }

    /** The thread's newest entry, or null. */
    E last(long tid) {
        ArrayDeque<E> q = map.get(tid);
        return q == null ? null : q.peekLast();
    }

    void remove(long tid) {
        map.remove(tid);
    }

    void clear() {
        map.clear();
    }

    int threads() {
        return map.size();
    }
}
