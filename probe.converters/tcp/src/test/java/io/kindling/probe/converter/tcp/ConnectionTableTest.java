package io.kindling.probe.converter.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The connection table, indexed by process, against the plain least-recently-used map it replaces: the
 * same random gets, puts, dups, closes, process exits and evictions give the same connections, in the
 * same order (the order in which a process exit emits its closes), and the same evictions.
 */
class ConnectionTableTest {

    /** A process exit scans every connection: the table as it was, for reference. */
    private static final class Scanning {
        final int max;
        long evicted;
        final Map<Long, Connection> map;

        Scanning(int max) {
            this.max = max;
            this.map = new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Connection> eldest) {
                    if (size() > Scanning.this.max) {
                        evicted++;
                        return true;
                    }
                    return false;
                }
            };
        }

        List<Connection> removeProcess(long pid) {
            List<Connection> held = new ArrayList<>();
            map.values().removeIf(c -> {
                if (c.pid == pid) {
                    held.add(c);
                    return true;
                }
                return false;
            });
            return held;
        }
    }

    @Test
    void sameAsAScanOfEveryConnection() {
        for (int seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            int max = 16 + r.nextInt(48);
            ConnectionTable table = new ConnectionTable(max);
            Scanning ref = new Scanning(max);
            for (int op = 0; op < 20_000; op++) {
                long pid = 1 + r.nextInt(12);
                long fd = r.nextInt(16);
                switch (r.nextInt(6)) {
                    case 0, 1 -> assertSame(ref.map.get(Connection.key(pid, fd)), table.get(pid, fd));
                    case 2 -> {
                        Connection c = new Connection(pid, fd, null, false, Connection.Opened.CONNECT);
                        table.put(c);
                        ref.map.put(Connection.key(pid, fd), c);
                    }
                    case 3 -> {
                        Connection c = table.get(pid, fd);
                        Connection same = ref.map.get(Connection.key(pid, fd));
                        assertSame(same, c);
                        long to = r.nextInt(16);
                        if (c != null && to != fd) {
                            table.alias(to, c); // the reference shares the object, and its count of fds
                            ref.map.put(Connection.key(pid, to), c);
                        }
                    }
                    case 4 -> assertSame(ref.map.remove(Connection.key(pid, fd)), table.remove(pid, fd));
                    default -> {
                        if (r.nextInt(4) == 0) {
                            List<Connection> expected = ref.removeProcess(pid);
                            List<Connection> got = table.removeProcess(pid);
                            assertEquals(expected.size(), got.size(), "seed " + seed + " op " + op);
                            for (int i = 0; i < got.size(); i++) {
                                assertSame(expected.get(i), got.get(i), "seed " + seed + " op " + op + " close " + i);
                            }
                        }
                    }
                }
                assertEquals(ref.map.size(), table.size());
                assertEquals(ref.evicted, table.evicted());
            }
            assertEquals(new ArrayList<>(ref.map.values()), new ArrayList<>(table.values()), "seed " + seed);
        }
    }
}
