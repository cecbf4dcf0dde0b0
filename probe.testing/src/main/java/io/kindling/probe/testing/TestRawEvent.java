package io.kindling.probe.testing;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written {@link RawEvent} for unit tests: plain fields with fluent setters, and
 * {@link #toEvent()} to build the {@link KindlingEvent} the way the core does before converters
 * run (thread context, fd number and type).
 */
public final class TestRawEvent implements RawEvent {

    private record Param(String name, int nativeType, ValueType valueType, byte[] bytes) {}

    private int type = -1;
    private String name = "syscall_exit-read";
    private Category category = Category.FILE;
    private Source source = Source.SYSCALL_EXIT;
    private long timestamp = 1_700_000_000_123_456_789L;
    private long latency;
    private int cpu;
    private boolean hasThread = true;
    private long pid = 100;
    private long tid = 101;
    private long uid;
    private long gid;
    private String comm = "cat";
    private String containerId = "";
    private long fdNum = -1;
    private FdType fdType = FdType.UNINITIALIZED;
    private String fdName = "";
    private L4Protocol l4Protocol = L4Protocol.UNKNOWN;
    private boolean serverRole;
    private byte[] sourceAddress = new byte[0];
    private byte[] destinationAddress = new byte[0];
    private int sourcePort;
    private int destinationPort;
    private long unixSource;
    private long unixDestination;
    private final List<Param> params = new ArrayList<>();

    public TestRawEvent name(String name, Category category, Source source) {
        this.name = name;
        this.category = category;
        this.source = source;
        return this;
    }

    public TestRawEvent type(int type) { this.type = type; return this; }
    public TestRawEvent timestamp(long timestamp) { this.timestamp = timestamp; return this; }
    public TestRawEvent latency(long latency) { this.latency = latency; return this; }
    public TestRawEvent cpu(int cpu) { this.cpu = cpu; return this; }

    public TestRawEvent thread(long pid, long tid, long uid, long gid, String comm, String containerId) {
        this.hasThread = true;
        this.pid = pid;
        this.tid = tid;
        this.uid = uid;
        this.gid = gid;
        this.comm = comm;
        this.containerId = containerId;
        return this;
    }

    public TestRawEvent noThread() { this.hasThread = false; return this; }

    /** An fd that libsinsp knows: number, type and name. */
    public TestRawEvent fd(long num, FdType type, String name) {
        this.fdNum = num;
        this.fdType = type;
        this.fdName = name;
        return this;
    }

    public TestRawEvent socket(L4Protocol protocol, boolean serverRole, byte[] sip, int sport, byte[] dip, int dport) {
        this.l4Protocol = protocol;
        this.serverRole = serverRole;
        this.sourceAddress = sip.clone();
        this.sourcePort = sport;
        this.destinationAddress = dip.clone();
        this.destinationPort = dport;
        return this;
    }

    public TestRawEvent unix(long source, long destination) {
        this.unixSource = source;
        this.unixDestination = destination;
        return this;
    }

    /** Adds a parameter with its raw bytes. */
    public TestRawEvent param(String name, int nativeType, ValueType valueType, byte[] bytes) {
        params.add(new Param(name, nativeType, valueType, bytes.clone()));
        return this;
    }

    /** Adds an integer parameter of {@code length} bytes, little-endian. */
    public TestRawEvent param(String name, int nativeType, ValueType valueType, int length, long value) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        byte[] bytes = new byte[length];
        System.arraycopy(b.array(), 0, bytes, 0, length);
        return param(name, nativeType, valueType, bytes);
    }

    /** The event as the core hands it to converters: thread context and fd number and type filled. */
    public KindlingEvent toEvent() {
        ThreadContext thread = hasThread ? new ThreadContext(pid, tid, uid, gid, comm, containerId) : null;
        KindlingEvent event = new KindlingEvent(name, category, source, timestamp, latency, thread);
        if (hasFd()) {
            event.setFd(new FdContext(fdNum, fdType));
        }
        return event;
    }

    @Override public int type() { return type; }
    @Override public String name() { return name; }
    @Override public Category category() { return category; }
    @Override public Source source() { return source; }
    @Override public long timestamp() { return timestamp; }
    @Override public long latency() { return latency; }
    @Override public int cpu() { return cpu; }
    @Override public boolean hasThread() { return hasThread; }
    @Override public long pid() { return pid; }
    @Override public long tid() { return tid; }
    @Override public long uid() { return uid; }
    @Override public long gid() { return gid; }
    @Override public String comm() { return comm; }
    @Override public String containerId() { return containerId; }
    @Override public long fdNum() { return fdNum; }
    @Override public boolean hasFd() { return fdType != FdType.UNINITIALIZED; }
    @Override public FdType fdType() { return fdType; }
    @Override public String fdName() { return fdName; }
    @Override public L4Protocol l4Protocol() { return l4Protocol; }
    @Override public boolean serverRole() { return serverRole; }
    @Override public byte[] sourceAddress() { return sourceAddress.clone(); }
    @Override public byte[] destinationAddress() { return destinationAddress.clone(); }
    @Override public int sourcePort() { return sourcePort; }
    @Override public int destinationPort() { return destinationPort; }
    @Override public long unixSource() { return unixSource; }
    @Override public long unixDestination() { return unixDestination; }
    @Override public int paramCount() { return params.size(); }
    @Override public String paramName(int index) { return params.get(index).name(); }
    @Override public int paramNativeType(int index) { return params.get(index).nativeType(); }
    @Override public ValueType paramValueType(int index) { return params.get(index).valueType(); }
    @Override public int paramLength(int index) { return params.get(index).bytes().length; }
    @Override public byte[] paramBytes(int index) { return params.get(index).bytes().clone(); }

    @Override
    public long paramAsLong(int index) {
        byte[] b = params.get(index).bytes();
        return switch (b.length) {
            case 1 -> b[0];
            case 2 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort();
            case 4 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
            case 8 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
            default -> throw new IllegalStateException("parameter " + index + " is " + b.length + " bytes, not an integer");
        };
    }

    @Override
    public int paramIndex(String name) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
