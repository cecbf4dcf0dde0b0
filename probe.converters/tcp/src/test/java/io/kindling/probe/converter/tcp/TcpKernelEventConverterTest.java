package io.kindling.probe.converter.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.testing.TestRawEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kindling's kernel TCP events, built through the API (Debian's libsinsp cannot produce them). */
class TcpKernelEventConverterTest {
    private static final int PT_SOCKTUPLE = 13;
    private static final int PT_UINT32 = 7;
    private static final int PT_UINT64 = 8;
    private static final int PT_INT32 = 3;

    /** 10.0.0.1:40000 -> 10.0.0.2:80: family, addresses as the kernel stores them, ports little-endian. */
    private static final byte[] TUPLE = {2, 10, 0, 0, 1, 0x40, (byte) 0x9c, 10, 0, 0, 2, 80, 0};
    private static final long SIP = 0x0100000aL; // bytes 10.0.0.1 read little-endian
    private static final long DIP = 0x0200000aL;

    private static List<Attribute> convert(TestRawEvent raw) {
        KindlingEvent event = raw.toEvent();
        new TcpKernelEventConverter().convert(raw, event, e -> {});
        return event.attributes();
    }

    private static TestRawEvent kernel(String name) {
        return new TestRawEvent().name(name, Category.NET, name.startsWith("tracepoint") ? Source.TRACEPOINT
                : name.startsWith("kretprobe") ? Source.KRETPROBE : Source.KPROBE)
                .param("tuple", PT_SOCKTUPLE, ValueType.BYTEBUF, TUPLE);
    }

    private static List<Attribute> tuple() {
        return List.of(Attribute.ofLong("sip", ValueType.UINT32, SIP), Attribute.ofLong("sport", ValueType.UINT16, 40000),
                Attribute.ofLong("dip", ValueType.UINT32, DIP), Attribute.ofLong("dport", ValueType.UINT16, 80));
    }

    private static List<Attribute> tupleAnd(Attribute... more) {
        java.util.ArrayList<Attribute> l = new java.util.ArrayList<>(tuple());
        l.addAll(List.of(more));
        return l;
    }

    @Test
    void closeAndReceiveCarryTheRtt() {
        for (String name : List.of("kprobe-tcp_close", "kprobe-tcp_rcv_established")) {
            assertEquals(tupleAnd(Attribute.ofLong("rtt", ValueType.UINT32, 1234)),
                    convert(kernel(name).param("srtt", PT_UINT32, ValueType.UINT32, 4, 1234)), name);
        }
    }

    @Test
    void connectCarriesTheReturnValue() {
        assertEquals(tupleAnd(Attribute.ofLong("retval", ValueType.UINT64, 0)),
                convert(kernel("kretprobe-tcp_connect").param("retval", PT_UINT64, ValueType.UINT64, 8, 0)));
    }

    @Test
    void dropAndSetStateCarryTheStates() {
        for (String name : List.of("kprobe-tcp_drop", "kprobe-tcp_set_state")) {
            assertEquals(tupleAnd(Attribute.ofLong("old_state", ValueType.INT32, 1), Attribute.ofLong("new_state", ValueType.INT32, 4)),
                    convert(kernel(name).param("old_state", PT_INT32, ValueType.INT32, 4, 1)
                            .param("new_state", PT_INT32, ValueType.INT32, 4, 4)), name);
        }
    }

    @Test
    void retransmitCarriesTheSegments() {
        assertEquals(tupleAnd(Attribute.ofLong("segs", ValueType.INT32, 3)),
                convert(kernel("kprobe-tcp_retransmit_skb").param("segs", PT_INT32, ValueType.INT32, 4, 3)));
    }

    @Test
    void resetsCarryTheTupleAlone() {
        for (String name : List.of("tracepoint-tcp_send_reset", "tracepoint-tcp_receive_reset")) {
            assertEquals(tuple(), convert(kernel(name).param("segs", PT_INT32, ValueType.INT32, 4, 3)), name);
        }
    }

    @Test
    void absentParametersAndOtherFamiliesGiveNothing() {
        assertEquals(tuple(), convert(kernel("kprobe-tcp_close")));
        byte[] unix = new byte[13];
        unix[0] = 1;
        assertEquals(List.of(), convert(new TestRawEvent().name("kprobe-tcp_close", Category.NET, Source.KPROBE)
                .param("tuple", PT_SOCKTUPLE, ValueType.BYTEBUF, unix)));
    }

    @Test
    void ipv6TuplesGivePortsAndMappedIpv4Addresses() {
        byte[] v6 = new byte[37];
        v6[0] = 10;
        v6[16] = 1; // ::1
        v6[17] = (byte) 0x90; // port 8080 = 0x1f90, host order
        v6[18] = 0x1f;
        v6[34] = 1;
        v6[35] = 0x50; // port 80
        assertEquals(List.of(Attribute.ofLong("sport", ValueType.UINT16, 8080), Attribute.ofLong("dport", ValueType.UINT16, 80)),
                convert(new TestRawEvent().name("kprobe-tcp_close", Category.NET, Source.KPROBE)
                        .param("tuple", PT_SOCKTUPLE, ValueType.BYTEBUF, v6)));
        byte[] mapped = v6.clone();
        for (int at : new int[] {1, 19}) {
            java.util.Arrays.fill(mapped, at, at + 16, (byte) 0);
            mapped[at + 10] = (byte) 0xff;
            mapped[at + 11] = (byte) 0xff;
            mapped[at + 12] = 127;
            mapped[at + 15] = 1;
        }
        assertEquals(List.of(Attribute.ofLong("sip", ValueType.UINT32, 0x0100007fL), Attribute.ofLong("sport", ValueType.UINT16, 8080),
                Attribute.ofLong("dip", ValueType.UINT32, 0x0100007fL), Attribute.ofLong("dport", ValueType.UINT16, 80)),
                convert(new TestRawEvent().name("kprobe-tcp_close", Category.NET, Source.KPROBE)
                        .param("tuple", PT_SOCKTUPLE, ValueType.BYTEBUF, mapped)));
    }

    @Test
    void negativeStatesKeepTheirSign() {
        List<Attribute> a = convert(kernel("kprobe-tcp_set_state").param("old_state", PT_INT32, ValueType.INT32, 4, -1));
        assertEquals(-1, a.get(4).longValue());
    }
}
