package io.kindling.probe.inspector;

import com.sun.jna.Memory;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.ParamTypes;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One batch buffer that the shim fills, and the reused view over its records. The layout is
 * written by the shim (kindling_shim.cpp): a 64-byte header, then 8-byte aligned records.
 */
final class BatchView implements RawBatch, RawEvent {
    static final int HEADER = 64;
    static final int STATUS_MORE = 0;
    static final int STATUS_END = 1;
    static final int STATUS_TIMEOUT = 2;
    static final int MAX_PARAMS = 16;
    static final int FLAG_NO_THREAD = 0x4;

    private static final int O_LEN = 0;
    private static final int O_TYPE = 4;
    private static final int O_KCAT = 6;
    private static final int O_SOURCE = 8;
    private static final int O_NPARAMS = 10;
    private static final int O_GENERIC = 12;
    private static final int O_FLAGS = 14;
    private static final int O_TS = 16;
    private static final int O_LATENCY = 24;
    private static final int O_PID = 32;
    private static final int O_TID = 40;
    private static final int O_UID = 48;
    private static final int O_GID = 52;
    private static final int O_FDNUM = 56;
    private static final int O_FDTYPE = 64;
    private static final int O_L4 = 65;
    private static final int O_ROLE = 66;
    private static final int O_CPU = 68;
    private static final int O_SPORT = 70;
    private static final int O_DPORT = 72;
    private static final int O_COMMLEN = 74;
    private static final int O_CONTLEN = 76;
    private static final int O_FDNAMELEN = 78;
    private static final int O_SIP = 80;
    private static final int O_DIP = 96;
    private static final int O_USRC = 112;
    private static final int O_UDST = 120;
    private static final int O_STRINGS = 128;

    final Memory memory;
    final ByteBuffer buf;
    final int capacity;
    private final EventTable table;
    private final EventNameTable names;
    private final NativeSession owner;
    private final StringCache comms;
    private final StringCache containers;
    private final StringCache fdNames;

    private int count;
    private int index;
    private int pos;
    private int next;
    int status;
    private final int[] paramOffsets = new int[MAX_PARAMS];
    private final int[] paramLengths = new int[MAX_PARAMS];
    private int paramCount;

    /** The caches are the session's, one per kind of string, shared by its batches (one reader thread). */
    BatchView(int capacity, EventTable table, EventNameTable names, NativeSession owner, StringCache comms,
            StringCache containers, StringCache fdNames) {
        this.capacity = capacity;
        this.memory = new Memory(capacity);
        this.buf = memory.getByteBuffer(0, capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.table = table;
        this.names = names;
        this.owner = owner;
        this.comms = comms;
        this.containers = containers;
        this.fdNames = fdNames;
    }

    /** Prepares the view after the shim filled the buffer. */
    void reset() {
        count = buf.getInt(0);
        status = buf.getInt(8);
        index = -1;
        next = HEADER;
        pos = -1;
    }

    // ---- RawBatch

    @Override
    public int size() {
        return count;
    }

    @Override
    public boolean next() {
        if (index + 1 >= count) {
            return false;
        }
        index++;
        pos = next;
        next = pos + buf.getInt(pos + O_LEN);
        int strings = pos + O_STRINGS + u16(O_COMMLEN) + u16(O_CONTLEN) + u16(O_FDNAMELEN);
        paramCount = Math.min(u16(O_NPARAMS), MAX_PARAMS);
        int p = strings;
        for (int i = 0; i < paramCount; i++) {
            int len = buf.getInt(p);
            paramLengths[i] = len;
            paramOffsets[i] = p + 4;
            p += 4 + len;
        }
        return true;
    }

    @Override
    public RawEvent event() {
        return this;
    }

    @Override
    public void release() {
        owner.release(this);
    }

    // ---- RawEvent

    private int u16(int field) {
        return buf.getShort(pos + field) & 0xffff;
    }

    @Override
    public int type() {
        return u16(O_TYPE);
    }

    @Override
    public int genericSyscall() {
        int sc = u16(O_GENERIC);
        return sc == 0xffff ? -1 : sc;
    }

    @Override
    public String name() {
        return names.name(type(), genericSyscall());
    }

    @Override
    public Category category() {
        return Category.ofCode(u16(O_KCAT));
    }

    @Override
    public Source source() {
        return Source.ofCode(u16(O_SOURCE));
    }

    @Override
    public long timestamp() {
        return buf.getLong(pos + O_TS);
    }

    @Override
    public long latency() {
        return buf.getLong(pos + O_LATENCY);
    }

    @Override
    public int cpu() {
        return u16(O_CPU);
    }

    @Override
    public boolean hasThread() {
        // the shim drops events without thread information, except those of the threadless filter
        return (u16(O_FLAGS) & FLAG_NO_THREAD) == 0;
    }

    @Override
    public long pid() {
        return buf.getLong(pos + O_PID);
    }

    @Override
    public long tid() {
        return buf.getLong(pos + O_TID);
    }

    @Override
    public long uid() {
        return buf.getInt(pos + O_UID) & 0xffffffffL;
    }

    @Override
    public long gid() {
        return buf.getInt(pos + O_GID) & 0xffffffffL;
    }


    @Override
    public String comm() {
        return comms.get(buf, pos + O_STRINGS, u16(O_COMMLEN));
    }

    @Override
    public String containerId() {
        return containers.get(buf, pos + O_STRINGS + u16(O_COMMLEN), u16(O_CONTLEN));
    }

    @Override
    public long fdNum() {
        return buf.getLong(pos + O_FDNUM);
    }

    @Override
    public boolean hasFd() {
        return (u16(O_FLAGS) & 1) != 0;
    }

    @Override
    public FdType fdType() {
        return FdType.ofCode(buf.get(pos + O_FDTYPE));
    }

    @Override
    public String fdName() {
        return fdNames.get(buf, pos + O_STRINGS + u16(O_COMMLEN) + u16(O_CONTLEN), u16(O_FDNAMELEN));
    }

    @Override
    public L4Protocol l4Protocol() {
        return L4Protocol.ofCode(buf.get(pos + O_L4));
    }

    @Override
    public boolean serverRole() {
        return buf.get(pos + O_ROLE) != 0;
    }

    private byte[] address(int offset) {
        FdType t = fdType();
        int n = t == FdType.IPV4_SOCK || t == FdType.IPV4_SERVSOCK ? 4 : t == FdType.IPV6_SOCK || t == FdType.IPV6_SERVSOCK ? 16 : 0;
        byte[] b = new byte[n];
        buf.get(pos + offset, b);
        return b;
    }

    @Override
    public byte[] sourceAddress() {
        return address(O_SIP);
    }

    @Override
    public byte[] destinationAddress() {
        return address(O_DIP);
    }

    @Override
    public int sourcePort() {
        return u16(O_SPORT);
    }

    @Override
    public int destinationPort() {
        return u16(O_DPORT);
    }

    @Override
    public long unixSource() {
        return buf.getLong(pos + O_USRC);
    }

    @Override
    public long unixDestination() {
        return buf.getLong(pos + O_UDST);
    }

    @Override
    public int paramCount() {
        return paramCount;
    }

    @Override
    public String paramName(int i) {
        int type = type();
        return i < table.paramCount(type) ? table.paramName(type, i) : "arg" + i;
    }

    @Override
    public int paramNativeType(int i) {
        int type = type();
        return i < table.paramCount(type) ? table.paramType(type, i) : 10;
    }

    @Override
    public ValueType paramValueType(int i) {
        return ParamTypes.valueType(paramNativeType(i));
    }

    @Override
    public int paramLength(int i) {
        return paramLengths[i];
    }

    @Override
    public byte[] paramBytes(int i) {
        byte[] b = new byte[paramLengths[i]];
        buf.get(paramOffsets[i], b);
        return b;
    }

    @Override
    public byte[] packedParams(int count) {
        int n = Math.min(count, paramCount);
        if (n == 0) {
            return new byte[0];
        }
        // the shim writes the parameters this way already: one copy of the region
        int from = paramOffsets[0] - 4;
        byte[] out = new byte[paramOffsets[n - 1] + paramLengths[n - 1] - from];
        buf.get(from, out);
        return out;
    }

    @Override
    public long paramAsLong(int i) {
        int o = paramOffsets[i];
        switch (paramLengths[i]) {
            case 1:
                return buf.get(o);
            case 2:
                return buf.getShort(o);
            case 4:
                return buf.getInt(o);
            case 8:
                return buf.getLong(o);
            default:
                return 0;
        }
    }

    @Override
    public int paramIndex(String name) {
        int type = type();
        int n = Math.min(paramCount, table.paramCount(type));
        for (int i = 0; i < n; i++) {
            if (table.paramName(type, i).equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
