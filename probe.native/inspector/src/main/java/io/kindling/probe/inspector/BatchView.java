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
    static final int FLAG_FD_INFO = 0x1;
    static final int FLAG_PARAM_TRUNCATED = 0x2;
    static final int FLAG_NO_THREAD = 0x4;
    static final int FLAG_LARGE_PAYLOAD = 0x8;
    static final int FLAG_SOCKET = 0x10;
    static final int FLAG_KERNEL_CONTEXT = 0x20;

    // the fixed part of a record
    private static final int O_LEN = 0;
    private static final int O_FLAGS = 4;
    private static final int O_KCAT = 6;
    private static final int O_SOURCE = 7;
    private static final int O_PID = 8;
    private static final int O_TID = 16;
    private static final int O_LATENCY = 24;
    private static final int O_UID = 32;
    private static final int O_GID = 36;
    private static final int O_FDNUM = 40;
    private static final int O_CPU = 48;
    private static final int O_GENERIC = 50;
    private static final int O_COMMLEN = 52;
    private static final int O_CONTLEN = 54;
    private static final int O_FDNAMELEN = 56;
    private static final int O_FDTYPE = 58;
    private static final int O_L4 = 59;
    private static final int O_ROLE = 60;
    private static final int FIXED = 64;
    // the socket block, from the end of the fixed part
    private static final int SOCKET_BLOCK = 40;
    private static final int S_SPORT = 0;
    private static final int S_DPORT = 2;
    private static final int S_SIP = 8;
    private static final int S_DIP = 24;
    // the scap record (libscap's ppm_evt_hdr, then the parameter lengths and values)
    private static final int R_TS = 0;
    private static final int R_LEN = 16;
    private static final int R_TYPE = 20;
    private static final int R_NPARAMS = 22;
    private static final int R_HEADER = 26;

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
    // of the current record
    private int flags;
    private int socket;
    private int strings;
    private int record;
    private int type;
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
        flags = u16(O_FLAGS);
        socket = pos + FIXED;
        strings = (flags & FLAG_SOCKET) != 0 ? socket + SOCKET_BLOCK : socket;
        record = strings + u16(O_COMMLEN) + u16(O_CONTLEN) + u16(O_FDNAMELEN);
        type = buf.getShort(record + R_TYPE) & 0xffff;
        readParams();
        return true;
    }

    /**
     * The parameters as libsinsp reads them: as many as both the event table and the record say
     * (at most {@link #MAX_PARAMS}), lengths after the record's header, values after its own count
     * of lengths. A length reaching past the record is cut at its end.
     */
    private void readParams() {
        long end = Math.min((long) record + (buf.getInt(record + R_LEN) & 0xffffffffL), next);
        long inRecord = buf.getInt(record + R_NPARAMS) & 0xffffffffL;
        boolean large = (flags & FLAG_LARGE_PAYLOAD) != 0;
        int width = large ? 4 : 2;
        long values = record + R_HEADER + inRecord * width;
        int n = type < table.typeCount() ? table.paramCount(type) : 0;
        n = (int) Math.min(Math.min(n, inRecord), MAX_PARAMS);
        if (values > end) {
            n = 0;
        }
        int lens = record + R_HEADER;
        int p = (int) values;
        for (int i = 0; i < n; i++) {
            int len = large ? buf.getInt(lens + 4 * i) : buf.getShort(lens + 2 * i) & 0xffff;
            if (len < 0 || len > end - p) {
                len = (int) (end - p);
            }
            paramOffsets[i] = p;
            paramLengths[i] = len;
            p += len;
        }
        paramCount = n;
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
        return type;
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
        return Category.ofCode(buf.get(pos + O_KCAT) & 0xff);
    }

    @Override
    public Source source() {
        return Source.ofCode(buf.get(pos + O_SOURCE) & 0xff);
    }

    @Override
    public long timestamp() {
        return buf.getLong(record + R_TS);
    }

    @Override
    public long latency() {
        return buf.getLong(pos + O_LATENCY);
    }

    @Override
    public int cpu() {
        int cpu = u16(O_CPU);
        return cpu == 0xFFFF ? -1 : cpu; // the shim's "not known" (live through udig)
    }

    @Override
    public boolean paramsTruncated() {
        return (flags & FLAG_PARAM_TRUNCATED) != 0;
    }

    @Override
    public boolean hasThread() {
        // the shim drops events without thread information, except those of the threadless filter
        return (flags & FLAG_NO_THREAD) == 0;
    }

    @Override
    public boolean kernelContext() {
        // a kernel TCP event of a context libsinsp knows no task for: it passed the subscriptions' filter
        return (flags & FLAG_KERNEL_CONTEXT) != 0;
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
        return comms.get(buf, strings, u16(O_COMMLEN));
    }

    @Override
    public String containerId() {
        return containers.get(buf, strings + u16(O_COMMLEN), u16(O_CONTLEN));
    }

    @Override
    public long fdNum() {
        return buf.getLong(pos + O_FDNUM);
    }

    @Override
    public boolean hasFd() {
        return (flags & FLAG_FD_INFO) != 0;
    }

    @Override
    public FdType fdType() {
        return FdType.ofCode(buf.get(pos + O_FDTYPE));
    }

    @Override
    public String fdName() {
        return fdNames.get(buf, strings + u16(O_COMMLEN) + u16(O_CONTLEN), u16(O_FDNAMELEN));
    }

    @Override
    public L4Protocol l4Protocol() {
        return L4Protocol.ofCode(buf.get(pos + O_L4));
    }

    @Override
    public boolean serverRole() {
        return buf.get(pos + O_ROLE) != 0;
    }

    /** 4 or 16 for an inet socket's addresses, else 0. */
    private int addressLength() {
        FdType t = fdType();
        return t == FdType.IPV4_SOCK || t == FdType.IPV4_SERVSOCK ? 4 : t == FdType.IPV6_SOCK || t == FdType.IPV6_SERVSOCK ? 16 : 0;
    }

    private byte[] address(int offset) {
        byte[] b = new byte[addressLength()];
        address(offset, b);
        return b;
    }

    /** Copies the address at the socket block's offset (zeros without a socket block); returns its length. */
    private int address(int offset, byte[] into) {
        int n = addressLength();
        if (n > 0) {
            if ((flags & FLAG_SOCKET) != 0) {
                buf.get(socket + offset, into, 0, n);
            } else {
                java.util.Arrays.fill(into, 0, n, (byte) 0);
            }
        }
        return n;
    }

    @Override
    public byte[] sourceAddress() {
        return address(S_SIP);
    }

    @Override
    public byte[] destinationAddress() {
        return address(S_DIP);
    }

    @Override
    public int sourceAddress(byte[] into) {
        return address(S_SIP, into);
    }

    @Override
    public int destinationAddress(byte[] into) {
        return address(S_DIP, into);
    }

    @Override
    public int sourcePort() {
        return (flags & FLAG_SOCKET) != 0 ? buf.getShort(socket + S_SPORT) & 0xffff : 0;
    }

    @Override
    public int destinationPort() {
        return (flags & FLAG_SOCKET) != 0 ? buf.getShort(socket + S_DPORT) & 0xffff : 0;
    }

    private boolean unixSocket() {
        return (flags & FLAG_SOCKET) != 0 && fdType() == FdType.UNIX_SOCK;
    }

    @Override
    public long unixSource() {
        return unixSocket() ? buf.getLong(socket + S_SIP) : 0;
    }

    @Override
    public long unixDestination() {
        return unixSocket() ? buf.getLong(socket + S_DIP) : 0;
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
        // the values follow each other in the record: one copy of the region after the lengths
        int from = paramOffsets[0];
        int values = paramOffsets[n - 1] + paramLengths[n - 1] - from;
        byte[] out = new byte[4 * n + values];
        for (int i = 0; i < n; i++) {
            int len = paramLengths[i];
            out[4 * i] = (byte) len;
            out[4 * i + 1] = (byte) (len >>> 8);
            out[4 * i + 2] = (byte) (len >>> 16);
            out[4 * i + 3] = (byte) (len >>> 24);
        }
        buf.get(from, out, 4 * n, values);
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
