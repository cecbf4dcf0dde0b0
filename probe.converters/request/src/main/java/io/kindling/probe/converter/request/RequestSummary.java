package io.kindling.probe.converter.request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The requests of the run so far, per protocol: how many, how many failed, the median and 99th percentile of their
 * total time (from a histogram of 4 buckets per power of two, so within a quarter of the true value), and the
 * content keys seen most, each with the containers that made and served its requests where a container took part:
 * {@code /index.html (client > web)} (a container's name, {@code NAMESPACE/POD} for a Kubernetes pod's, its id
 * while its runtime has not answered, {@code host} for a host process, {@code ?} for a side not seen on this host).
 * Bounded: {@value #MAX_KEYS} keys per protocol (the others counted together), {@value #MAX_PROTOCOLS} protocols,
 * {@value #MAX_SIDE} containers per side of a key (a {@code +} says there were more). Recorded by the event loop,
 * read by any thread.
 */
final class RequestSummary {
    static final int MAX_KEYS = 256;
    static final int MAX_PROTOCOLS = 32;
    static final int TOP = 5;
    static final int MAX_SIDE = 3;
    static final String PREFIX = "summary.";
    static final String HOST = "host";

    private static final class Protocol {
        long count;
        long errors;
        final long[] buckets = new long[64 * 4];
        final Map<String, Key> keys = new LinkedHashMap<>();
        long otherKeys;
    }

    /** A content key: its requests, and who made and served them. */
    private static final class Key {
        long count;
        final Side clients = new Side();
        final Side servers = new Side();
    }

    private static final class Side {
        final List<String> names = new ArrayList<>(1);
        boolean more;

        void add(String name) {
            if (!names.contains(name)) {
                if (names.size() < MAX_SIDE) {
                    names.add(name);
                } else {
                    more = true;
                }
            }
        }

        boolean hostOnly() {
            return names.isEmpty() || names.size() == 1 && names.get(0).equals(HOST) && !more;
        }

        @Override
        public String toString() {
            return names.isEmpty() ? "?" : String.join(",", names) + (more ? "+" : "");
        }
    }

    private final Map<String, Protocol> protocols = new TreeMap<>();

    /** A request seen from one side: {@code container} that side's container as {@link #containerName} gives it. */
    synchronized void add(String protocol, String key, boolean error, long nanos, boolean server, String container) {
        Protocol p = protocols.get(protocol);
        if (p == null) {
            if (protocols.size() >= MAX_PROTOCOLS) {
                return;
            }
            p = new Protocol();
            protocols.put(protocol, p);
        }
        p.count++;
        if (error) {
            p.errors++;
        }
        p.buckets[bucket(nanos)]++;
        Key k = p.keys.get(key);
        if (k == null && p.keys.size() < MAX_KEYS) {
            k = new Key();
            p.keys.put(key, k);
        }
        if (k != null) {
            k.count++;
            (server ? k.servers : k.clients).add(container);
        } else {
            p.otherKeys++;
        }
    }

    /**
     * A container as the summary names it: its name, {@code NAMESPACE/POD} for a Kubernetes pod's container, its id
     * while its runtime has not described it; {@value #HOST} for a host process ({@code container} null, no id).
     */
    static String containerName(io.kindling.probe.api.ContainerContext container, String threadContainerId) {
        if (container != null && !container.podName().isEmpty()) {
            return container.podNamespace().isEmpty() ? container.podName() : container.podNamespace() + '/' + container.podName();
        }
        if (container != null && !container.name().isEmpty()) {
            return container.name();
        }
        String id = container != null && !container.id().isEmpty() ? container.id() : threadContainerId;
        return id == null || id.isEmpty() ? HOST : id;
    }

    /** Content keys kept for a protocol (at most {@value #MAX_KEYS}). */
    synchronized int keys(String protocol) {
        Protocol p = protocols.get(protocol);
        return p == null ? 0 : p.keys.size();
    }

    synchronized void clear() {
        protocols.clear();
    }

    static int bucket(long nanos) {
        if (nanos < 4) {
            return (int) Math.max(0, nanos);
        }
        int power = 63 - Long.numberOfLeadingZeros(nanos);
        return power * 4 + (int) ((nanos >>> (power - 2)) & 3);
    }

    /** The upper bound of a bucket. */
    static long upper(int bucket) {
        if (bucket < 4) {
            return bucket;
        }
        int power = bucket / 4;
        int sub = bucket % 4;
        return (1L << power) + ((long) (sub + 1) << (power - 2)) - 1;
    }

    private static long percentile(Protocol p, double q) {
        long rank = (long) Math.ceil(q * p.count);
        long seen = 0;
        for (int i = 0; i < p.buckets.length; i++) {
            seen += p.buckets[i];
            if (seen >= rank && seen > 0) {
                return upper(i);
            }
        }
        return 0;
    }

    private static List<Map.Entry<String, Key>> top(Protocol p) {
        List<Map.Entry<String, Key>> keys = new ArrayList<>(p.keys.entrySet());
        keys.sort((a, b) -> Long.compare(b.getValue().count, a.getValue().count));
        return keys.subList(0, Math.min(TOP, keys.size()));
    }

    /** What follows a top key: its clients and servers where a container took part, else nothing. */
    private static String sides(Key k) {
        return k.clients.hostOnly() && k.servers.hostOnly() ? "" : " (" + k.clients + " > " + k.servers + ")";
    }

    /**
     * The summary as statistics figures: {@code summary.PROTOCOL.requests}, {@code .errors}, {@code .p50_ns},
     * {@code .p99_ns}, and {@code summary.PROTOCOL.top.KEY} for the keys seen most (the key followed by its containers
     * where one took part: {@code top./index.html (client > web)}).
     */
    synchronized Map<String, Long> figures() {
        Map<String, Long> m = new LinkedHashMap<>();
        protocols.forEach((name, p) -> {
            m.put(PREFIX + name + ".requests", p.count);
            m.put(PREFIX + name + ".errors", p.errors);
            m.put(PREFIX + name + ".p50_ns", percentile(p, 0.50));
            m.put(PREFIX + name + ".p99_ns", percentile(p, 0.99));
            for (Map.Entry<String, Key> k : top(p)) {
                m.put(PREFIX + name + ".top." + k.getKey() + sides(k.getValue()), k.getValue().count);
            }
        });
        return m;
    }

    /** One line per protocol, as the shell's {@code requests} command prints them. */
    synchronized List<String> lines() {
        List<String> lines = new ArrayList<>();
        protocols.forEach((name, p) -> {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-9s %d requests, %.1f%% errors, p50 %s, p99 %s; top:",
                    name, p.count, p.count == 0 ? 0.0 : 100.0 * p.errors / p.count, duration(percentile(p, 0.5)),
                    duration(percentile(p, 0.99))));
            for (Map.Entry<String, Key> k : top(p)) {
                b.append(' ').append(k.getKey().isEmpty() ? "\"\"" : k.getKey()).append(sides(k.getValue())).append(' ')
                        .append(k.getValue().count).append(',');
            }
            b.setLength(b.length() - 1);
            lines.add(b.toString());
        });
        if (lines.isEmpty()) {
            lines.add("no requests yet (subscribe to net_request)");
        }
        return lines;
    }

    static String duration(long nanos) {
        if (nanos >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
        }
        if (nanos >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }
}
