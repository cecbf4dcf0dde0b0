package io.kindling.probe.converter.tcp;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Joins the kernel's view of a connection with the close that the system calls show: the kernel's
 * {@code kprobe-tcp_close} (its socket destroyed, after the FIN exchange) carries the smoothed RTT and the
 * segments retransmitted over the connection's life, {@code tracepoint-tcp_send_reset} and
 * {@code tracepoint-tcp_receive_reset} say it was reset. Once kernel TCP events arrive (live, from the
 * probe's eBPF programs), the converter's close event is held until the kernel's close of the same
 * endpoints, then emitted with {@code rtt} (UINT32, microseconds), {@code retransmits} (UINT32) and
 * {@code reset} (BOOL); one that waits longer than {@link #MAX_WAIT_NANOS} of event time, or is still
 * held at the end of the capture, is emitted without them. Without kernel events (a capture file)
 * nothing is held. A close by a process that did not open the connection (one that inherited the socket
 * and closes its copy, as a child of a Java program does) gives way to the owner's: it is emitted without
 * the figures while the owner's close waits, and where the kernel's close comes first the owner's close
 * still takes them. Event loop thread only.
 */
final class KernelJoin {

    /** How long (event time) a close waits for the kernel's close of its connection. */
    static final long MAX_WAIT_NANOS = 1_000_000_000L;
    private static final int MAX_REMEMBERED = 4096;

    private record Figures(long rtt, long retransmits, long at) {}

    private record Held(KindlingEvent event, long deadline, boolean owner) {}

    private volatile int maxHeld;
    /** Closes waiting for the kernel's, by local and remote endpoint, oldest first. */
    private final LinkedHashMap<String, Held> held = new LinkedHashMap<>();
    /** The kernel's closes that came before the system call's (the order of two sources can differ). */
    private final Map<String, Figures> early = bounded();
    /** Endpoints whose connection was reset, and when. */
    private final Map<String, Long> resets = bounded();
    private boolean kernelSeen;
    private long joined;
    private long unjoined;

    /** A new bound on the closes held, reached as closes are held. */
    void resize(int maxHeld) {
        this.maxHeld = Math.max(1, maxHeld);
    }

    KernelJoin(int maxHeld) {
        this.maxHeld = Math.max(1, maxHeld);
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(64, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_REMEMBERED;
            }
        };
    }

    /** Whether the event is one of the kernel events this join reads; then it has taken it. */
    boolean observe(RawEvent raw, EventEmitter emitter) {
        switch (raw.name()) {
            case "kprobe-tcp_close" -> kernelClose(raw, emitter);
            case "tracepoint-tcp_send_reset", "tracepoint-tcp_receive_reset" -> {
                kernelSeen = true;
                String key = kernelKey(raw);
                if (key != null) {
                    resets.put(key, raw.timestamp());
                }
            }
            case "tracepoint-inet_sock_set_state" -> kernelSeen = true;
            default -> {
                expire(raw.timestamp(), emitter);
                return false;
            }
        }
        expire(raw.timestamp(), emitter);
        return true;
    }

    /**
     * Takes the converter's close event of connection {@code c}: emitted now when the kernel's figures
     * are there or no kernel events come, held otherwise.
     */
    void close(Connection c, KindlingEvent event, EventEmitter emitter) {
        String key = key(c);
        Figures f = early.remove(key);
        if (f != null && Math.abs(event.timestamp() - f.at) <= MAX_WAIT_NANOS) {
            complete(event, key, f, emitter);
            return;
        }
        if (!kernelSeen) {
            emitter.emit(event);
            return;
        }
        boolean owner = c.opened != Connection.Opened.UNKNOWN;
        Held previous = held.get(key);
        if (previous != null && previous.owner && !owner) {
            release(new Held(event, 0, false), emitter); // a copy of the socket closed: the owner's close waits on
            return;
        }
        held.remove(key);
        held.put(key, new Held(event, event.timestamp() + MAX_WAIT_NANOS, owner));
        if (previous != null) {
            release(previous, emitter); // the same endpoints closed again: the older one waits no longer
        }
        while (held.size() > maxHeld) {
            Iterator<Held> it = held.values().iterator();
            Held oldest = it.next();
            it.remove();
            release(oldest, emitter);
        }
    }

    /** The end of a capture: whatever is held is emitted as it is. */
    void end(EventEmitter emitter) {
        for (Held h : held.values()) {
            release(h, emitter);
        }
        held.clear();
        early.clear();
        resets.clear();
        kernelSeen = false;
    }

    long held() {
        return held.size();
    }

    long joined() {
        return joined;
    }

    long unjoined() {
        return unjoined;
    }

    private void kernelClose(RawEvent raw, EventEmitter emitter) {
        kernelSeen = true;
        String key = kernelKey(raw);
        if (key == null) {
            return;
        }
        Figures f = new Figures(unsigned(raw, "srtt"), unsigned(raw, "total_retrans"), raw.timestamp());
        Held h = held.remove(key);
        if (h != null) {
            Long reset = resets.get(key);
            complete(h.event, key, f, emitter);
            if (!h.owner) {
                // the owner's close may still come (the two sources' order can differ by a few ms)
                early.put(key, f);
                if (reset != null) {
                    resets.put(key, reset);
                }
            }
        } else {
            early.put(key, f);
        }
    }

    private void complete(KindlingEvent event, String key, Figures f, EventEmitter emitter) {
        if (f.rtt >= 0) {
            event.addAttribute(Attribute.ofLong("rtt", ValueType.UINT32, f.rtt));
        }
        if (f.retransmits >= 0) {
            event.addAttribute(Attribute.ofLong("retransmits", ValueType.UINT32, f.retransmits));
        }
        Long reset = resets.remove(key);
        event.addAttribute(new Attribute("reset", ValueType.BOOL, reset != null));
        joined++;
        emitter.emit(event);
    }

    private void release(Held h, EventEmitter emitter) {
        unjoined++;
        emitter.emit(h.event);
    }

    private void expire(long now, EventEmitter emitter) {
        Iterator<Held> it = held.values().iterator();
        while (it.hasNext()) {
            Held h = it.next();
            if (h.deadline >= now) {
                return;
            }
            it.remove();
            release(h, emitter);
        }
    }

    /** Local end first: the client's source, the server's destination (libsinsp's tuples go client to server). */
    private static String key(Connection c) {
        Tuples.Tuple t = c.tuple;
        return c.server ? key(t.dip(), t.dport(), t.sip(), t.sport()) : key(t.sip(), t.sport(), t.dip(), t.dport());
    }

    /** The kernel's tuple is the socket's: source is its local end. */
    private static String kernelKey(RawEvent raw) {
        int i = raw.paramIndex("tuple");
        Tuples.Tuple t = i < 0 ? null : Tuples.parse(raw.paramBytes(i));
        return t == null ? null : key(t.sip(), t.sport(), t.dip(), t.dport());
    }

    private static String key(byte[] localIp, int localPort, byte[] remoteIp, int remotePort) {
        return Tuples.address(localIp) + "|" + localPort + "|" + Tuples.address(remoteIp) + "|" + remotePort;
    }

    private static long unsigned(RawEvent raw, String name) {
        int i = raw.paramIndex(name);
        return i < 0 || raw.paramLength(i) != 4 ? -1 : raw.paramAsLong(i) & 0xffffffffL;
    }
}
