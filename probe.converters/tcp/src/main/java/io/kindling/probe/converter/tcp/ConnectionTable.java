package io.kindling.probe.converter.tcp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The open connections by process and fd, at most {@code max}: beyond it the least recently used one is
 * evicted and counted. Event loop thread only.
 */
final class ConnectionTable {
    private final int max;
    private final Map<Long, Connection> connections;
    private volatile long evicted; // one writer; statistics are read from other threads

    ConnectionTable(int max) {
        this.max = Math.max(1, max);
        this.connections = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Connection> eldest) {
                if (size() > ConnectionTable.this.max) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    Connection get(long pid, long fd) {
        return connections.get(Connection.key(pid, fd));
    }

    void put(Connection c) {
        connections.put(Connection.key(c.pid, c.fd), c);
    }

    /** Another fd of the same process now holds the connection's socket too (a dup). */
    void alias(long fd, Connection c) {
        c.fds++;
        connections.put(Connection.key(c.pid, fd), c);
    }

    Connection remove(long pid, long fd) {
        return connections.remove(Connection.key(pid, fd));
    }

    /** Removes and returns the connections of a process. */
    List<Connection> removeProcess(long pid) {
        List<Connection> held = new ArrayList<>();
        connections.values().removeIf(c -> {
            if (c.pid == pid) {
                held.add(c);
                return true;
            }
            return false;
        });
        return held;
    }

    Collection<Connection> values() {
        return connections.values();
    }

    void clear() {
        connections.clear();
    }

    int size() {
        return connections.size();
    }

    long evicted() {
        return evicted;
    }
}
