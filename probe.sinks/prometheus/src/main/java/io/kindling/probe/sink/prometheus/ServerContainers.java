package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.KindlingEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The containers of this host's servers by the address they serve, learnt from the server side of the requests,
 * so that a client's request names the container it called. A loopback address is only reachable inside one
 * network namespace, so it is known per network: a Kubernetes pod (its containers share one) or else a container,
 * the client's on lookup and the server's when learnt; a host process serves nothing here. An IPv4-mapped IPv6
 * address (a dual-stack server's view of an IPv4 client's connection) is its IPv4 address. Holds at most
 * {@code capacity} addresses, the least recently used going first. One thread (the sink's).
 */
final class ServerContainers {
    static final int DEFAULT_CAPACITY = 4096;
    private static final String MAPPED = "::ffff:";

    private final Map<String, ContainerContext> byAddress;

    ServerContainers(int capacity) {
        this.byAddress = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ContainerContext> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The container of an event's thread: what the container converter said of it, or its id alone; null for a host process. */
    static ContainerContext of(KindlingEvent e) {
        if (e.container() != null) {
            return e.container();
        }
        String id = e.thread() == null ? null : e.thread().containerId();
        return id == null || id.isEmpty() ? null : ContainerContext.ofId(id);
    }

    /** A server-side request: {@code server} serves at {@code ip}:{@code port}. */
    void served(ContainerContext server, String ip, String port) {
        if (server != null && !ip.isEmpty()) {
            byAddress.put(key(server, ip, port), server);
        }
    }

    /** The container that serves at {@code ip}:{@code port} as {@code client} reaches it, or null when none is known. */
    ContainerContext server(ContainerContext client, String ip, String port) {
        return ip.isEmpty() ? null : byAddress.get(key(client, ip, port));
    }

    int size() {
        return byAddress.size();
    }

    private static String key(ContainerContext side, String ip, String port) {
        // a dual-stack server's connections from IPv4 clients show the IPv4-mapped form (::ffff:10.0.0.2)
        String address = (ip.startsWith(MAPPED) && ip.indexOf('.') > 0 ? ip.substring(MAPPED.length()) : ip) + ' ' + port;
        if (!loopback(ip)) {
            return address;
        }
        if (side == null) {
            return "host " + address;
        }
        return side.podName().isEmpty() ? "container " + side.id() + ' ' + address
                : "pod " + side.podNamespace() + '/' + side.podName() + ' ' + address;
    }

    static boolean loopback(String ip) {
        return ip.startsWith("127.") || ip.equals("::1") || ip.startsWith("::ffff:127.");
    }
}
