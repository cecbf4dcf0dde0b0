package io.kindling.probe.converter.tcp;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import org.osgi.service.component.annotations.Component;

/**
 * The attributes of Kindling's kernel TCP events, as the Kindling probe makes them: the IPv4 tuple
 * as {@code sip} and {@code dip} (UINT32, the address bytes as the kernel stores them, read
 * little-endian) and {@code sport} and {@code dport} (UINT16), then per event
 * <ul>
 * <li>{@code kprobe-tcp_close}, {@code kprobe-tcp_rcv_established}: {@code rtt} (UINT32) from {@code srtt},
 * and {@code total_retrans} (UINT32, the segments retransmitted over the connection's life) where present;</li>
 * <li>{@code kretprobe-tcp_connect}: {@code retval} (UINT64);</li>
 * <li>{@code kprobe-tcp_drop}, {@code kprobe-tcp_set_state}, {@code tracepoint-inet_sock_set_state}:
 * {@code old_state} and {@code new_state} (INT32); the drop also {@code reason}, {@code rtt} and
 * {@code total_retrans} (UINT32) where present;</li>
 * <li>{@code kprobe-tcp_retransmit_skb}: {@code segs} (INT32), {@code rtt} and {@code total_retrans} where present;</li>
 * <li>{@code tracepoint-tcp_send_reset}, {@code tracepoint-tcp_receive_reset}: the tuple alone.</li>
 * </ul>
 * Parameters that are absent give no attribute. An IPv6 tuple gives {@code sport} and {@code dport}, and
 * {@code sip} and {@code dip} only when both addresses are IPv4-mapped ({@code ::ffff:a.b.c.d}, the sockets
 * of dual-stack programs such as Java's): the Kindling probe gave an IPv6 tuple no attribute at all. These events come from the probe's own eBPF programs, live.
 */
@Component(service = Converter.class)
@ConverterService(name = "tcp-kernel", events = TcpKernelEventConverter.EVENTS, attributes = true)
public final class TcpKernelEventConverter implements Converter {

    /** The event names, comma-separated. */
    public static final String EVENTS = "kprobe-tcp_close,kprobe-tcp_rcv_established,kprobe-tcp_drop,"
            + "kprobe-tcp_retransmit_skb,kretprobe-tcp_connect,kprobe-tcp_set_state,tracepoint-inet_sock_set_state,"
            + "tracepoint-tcp_send_reset,tracepoint-tcp_receive_reset";

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        tuple(raw, event);
        switch (raw.name()) {
            case "kprobe-tcp_close", "kprobe-tcp_rcv_established" -> {
                copy(raw, event, "srtt", "rtt", ValueType.UINT32);
                copy(raw, event, "total_retrans", "total_retrans", ValueType.UINT32);
            }
            case "kretprobe-tcp_connect" -> copy(raw, event, "retval", "retval", ValueType.UINT64);
            case "kprobe-tcp_drop", "kprobe-tcp_set_state", "tracepoint-inet_sock_set_state" -> {
                copy(raw, event, "old_state", "old_state", ValueType.INT32);
                copy(raw, event, "new_state", "new_state", ValueType.INT32);
                copy(raw, event, "reason", "reason", ValueType.UINT32);
                copy(raw, event, "srtt", "rtt", ValueType.UINT32);
                copy(raw, event, "total_retrans", "total_retrans", ValueType.UINT32);
            }
            case "kprobe-tcp_retransmit_skb" -> {
                copy(raw, event, "segs", "segs", ValueType.INT32);
                copy(raw, event, "srtt", "rtt", ValueType.UINT32);
                copy(raw, event, "total_retrans", "total_retrans", ValueType.UINT32);
            }
            default -> {
                // the resets carry the tuple alone
            }
        }
    }

    private static void tuple(RawEvent raw, KindlingEvent event) {
        int i = raw.paramIndex("tuple");
        if (i < 0) {
            return;
        }
        byte[] t = raw.paramBytes(i);
        if (t.length == 1 + 4 + 2 + 4 + 2 && t[0] == Tuples.AF_INET) {
            event.addAttribute(Attribute.ofLong("sip", ValueType.UINT32, le(t, 1, 4)));
            event.addAttribute(Attribute.ofLong("sport", ValueType.UINT16, le(t, 5, 2)));
            event.addAttribute(Attribute.ofLong("dip", ValueType.UINT32, le(t, 7, 4)));
            event.addAttribute(Attribute.ofLong("dport", ValueType.UINT16, le(t, 11, 2)));
        } else if (t.length == 1 + 16 + 2 + 16 + 2 && t[0] == Tuples.AF_INET6) {
            boolean mapped = v4Mapped(t, 1) && v4Mapped(t, 19);
            if (mapped) {
                event.addAttribute(Attribute.ofLong("sip", ValueType.UINT32, le(t, 13, 4)));
            }
            event.addAttribute(Attribute.ofLong("sport", ValueType.UINT16, le(t, 17, 2)));
            if (mapped) {
                event.addAttribute(Attribute.ofLong("dip", ValueType.UINT32, le(t, 31, 4)));
            }
            event.addAttribute(Attribute.ofLong("dport", ValueType.UINT16, le(t, 35, 2)));
        }
    }

    /** {@code ::ffff:a.b.c.d} at {@code from}. */
    private static boolean v4Mapped(byte[] b, int from) {
        for (int k = 0; k < 10; k++) {
            if (b[from + k] != 0) {
                return false;
            }
        }
        return b[from + 10] == (byte) 0xff && b[from + 11] == (byte) 0xff;
    }

    /**
     * Copies a parameter under the Kindling probe's key and type: the value is what a reader of that type finds
     * in the copied bytes, its first 4 or 8 bytes little-endian, sign-extended for the signed types.
     */
    private static void copy(RawEvent raw, KindlingEvent event, String param, String key, ValueType type) {
        int i = raw.paramIndex(param);
        if (i < 0) {
            return;
        }
        byte[] b = raw.paramBytes(i);
        int size = type == ValueType.UINT64 || type == ValueType.INT64 ? 8 : 4;
        int n = Math.min(b.length, size);
        if (n == 0) {
            return;
        }
        long v = le(b, 0, n);
        if (type == ValueType.INT32 || type == ValueType.INT64) {
            int shift = 64 - 8 * n;
            v = v << shift >> shift;
        }
        event.addAttribute(Attribute.ofLong(key, type, v));
    }

    private static long le(byte[] b, int from, int n) {
        long v = 0;
        for (int k = n - 1; k >= 0; k--) {
            v = v << 8 | b[from + k] & 0xff;
        }
        return v;
    }
}
