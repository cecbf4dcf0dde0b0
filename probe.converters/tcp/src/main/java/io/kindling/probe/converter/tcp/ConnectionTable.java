package io.kindling.probe.converter.tcp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The open connections by process and fd, at most {@code max}: beyond it the least recently used one is
 * evicted and counted. The fds of each process are indexed, so that a process exit costs its own
 * connections rather than a look at every one. Event loop thread only.
 */
final class ConnectionTable {
    /** A connection under one fd, with when it was last used (a dup puts it under a second fd). */
    private static final class Slot {
        final Connection connection;
        long used;

        Slot(Connection connection, long used) {
            this.connection = connection;
            this.used = used;
        }
    }

    private static final Comparator<Slot> BY_USE = Comparator.comparingLong(s -> s.used);

    private volatile int max;
    /** In least recently used order; {@link Slot#used} tells that order for the fds of one process. */
    private final Map<Long, Slot> slots;
    private final Map<Long, Set<Long>> byProcess = new HashMap<>();
    private long clock;
    private volatile long evicted; // one writer; statistics are read from other threads

    ConnectionTable(int max) {
        this.max = Math.max(1, max);
        this.slots = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Slot> eldest) {
                if (size() > ConnectionTable.this.max) {
                    evicted++;
                    unindex(eldest.getValue().connection.pid, eldest.getKey());
                    return true;
                }
                return false;
            }
        };
    }

    /** A new bound; a smaller one is reached as connections are added (one eviction per addition). */
    void resize(int max) {
        this.max = Math.max(1, max);
    }

    Connection get(long pid, long fd) {
        Slot s = slots.get(Connection.key(pid, fd));
        if (s == null) {
            return null;
        }
        s.used = ++clock;
        return s.connection;
    }

    void put(Connection c) {
        put(Connection.key(c.pid, c.fd), c);
    }

    /** Another fd of the same process now holds the connection's socket too (a dup). */
    void alias(long fd, Connection c) {
        c.fds++;
        put(Connection.key(c.pid, fd), c);
    }

    private void put(long key, Connection c) {
        byProcess.computeIfAbsent(c.pid, p -> new HashSet<>()).add(key); // before: the put may evict it again
        Slot old = slots.put(key, new Slot(c, ++clock));
        if (old != null && old.connection.pid != c.pid) {
            unindex(old.connection.pid, key);
        }
    }

    Connection remove(long pid, long fd) {
        long key = Connection.key(pid, fd);
        Slot s = slots.remove(key);
        if (s == null) {
            return null;
        }
        unindex(s.connection.pid, key);
        return s.connection;
    }

    /** Removes and returns the connections of a process, least recently used first, once per fd that held one. */
    List<Connection> removeProcess(long pid) {
        Set<Long> keys = byProcess.remove(pid);
        if (keys == null) {
            return List.of();
        }
        List<Slot> held = new ArrayList<>(keys.size());
        for (Long k : keys) {
            held.add(slots.remove(k));
        }
        held.sort(BY_USE);
        List<Connection> out = new ArrayList<>(held.size());
        for (Slot s : held) {
            out.add(s.connection);
        }
        return out;
    }

    private void unindex(long pid, long key) {
        Set<Long> keys = byProcess.get(pid);
        if (keys != null && keys.remove(key) && keys.isEmpty()) {
            byProcess.remove(pid);
        }
    }

    /** The connections, least recently used first, once per fd that holds one. */
    Collection<Connection> values() {
        List<Connection> out = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            out.add(s.connection);
        }
        return out;
    }

    void clear() {
        slots.clear();
        byProcess.clear();
    }

    int size() {
        return slots.size();
    }

    long evicted() {
        return evicted;
    }
}
