package io.kindling.probe.converter.tcp;

import io.kindling.probe.api.spi.RawEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The IPv6 stream sockets that {@code socket()} created, by process and fd, until they connect or close.
 * A dual-stack socket (AF_INET6, as the JDK opens every socket unless {@code java.net.preferIPv4Stack}
 * is set) that connects to an IPv4-mapped address loses its transport in libsinsp (2022): the connect
 * turns its fd into an IPv4 one, whose protocol field then reads as unknown (sysdig shows {@code <4>}
 * without {@code t} and {@code fd.l4proto} {@code <NA>}). The socket's own call said it was a stream
 * socket: such a connect is a TCP connection. At most {@code max} sockets are remembered (the oldest
 * go first); each process's are indexed, so that its exit forgets them without a look at the others.
 * Event loop thread only.
 */
final class StreamSockets {
    private static final int AF_INET6 = 10;
    private static final int SOCK_STREAM = 1;
    private static final int IPPROTO_TCP = 6;

    private volatile int max;
    /** Threads inside a socket() call that asks for an IPv6 stream socket. */
    private final Map<Long, Boolean> entered = new HashMap<>();
    private final LinkedHashMap<Long, Boolean> sockets = new LinkedHashMap<>();
    private final Map<Long, Set<Long>> byProcess = new HashMap<>();

    StreamSockets(int max) {
        this.max = Math.max(1, max);
    }

    /** A new bound, reached as sockets are added. */
    void resize(int max) {
        this.max = Math.max(1, max);
    }

    /** {@code syscall_enter-socket}: domain, type and protocol. */
    void enter(RawEvent raw) {
        long domain = RawParams.longParam(raw, "domain", -1);
        long type = RawParams.longParam(raw, "type", -1) & 0xff; // SOCK_NONBLOCK and SOCK_CLOEXEC left out
        long proto = RawParams.longParam(raw, "proto", -1);
        if (domain == AF_INET6 && type == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP)) {
            if (entered.size() >= max) {
                entered.clear(); // threads that ended inside the call
            }
            entered.put(raw.tid(), Boolean.TRUE);
        } else {
            entered.remove(raw.tid());
        }
    }

    /** {@code syscall_exit-socket}: the new fd. */
    void exit(RawEvent raw) {
        if (entered.remove(raw.tid()) == null) {
            return;
        }
        long fd = RawParams.longParam(raw, "fd", -1);
        if (fd >= 0) {
            long key = Connection.key(raw.pid(), fd);
            sockets.remove(key);
            sockets.put(key, Boolean.TRUE);
            byProcess.computeIfAbsent(key >>> 32, p -> new HashSet<>()).add(key);
            if (sockets.size() > max) {
                remove(sockets.keySet().iterator().next());
            }
        }
    }

    /** Whether the fd of the process is a stream socket of its own creation; forgets it. */
    boolean take(long pid, long fd) {
        return remove(Connection.key(pid, fd));
    }

    void forget(long pid, long fd) {
        remove(Connection.key(pid, fd));
    }

    void forgetProcess(long pid) {
        Set<Long> keys = byProcess.remove(pid);
        if (keys != null) {
            for (Long k : keys) {
                sockets.remove(k);
            }
        }
    }

    private boolean remove(long key) {
        if (sockets.remove(key) == null) {
            return false;
        }
        long pid = key >>> 32;
        Set<Long> keys = byProcess.get(pid);
        if (keys != null && keys.remove(key) && keys.isEmpty()) {
            byProcess.remove(pid);
        }
        return true;
    }

    int size() {
        return sockets.size();
    }

    void clear() {
        entered.clear();
        sockets.clear();
        byProcess.clear();
    }
}
