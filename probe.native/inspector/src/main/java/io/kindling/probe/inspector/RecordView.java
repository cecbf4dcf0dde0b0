package io.kindling.probe.inspector;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.api.source.EventTable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The current record of a batch, reused from one record to the next. What the shim wrote around
 * the event is read here: a 64-byte fixed part (flags, Kindling category and source, thread, fd),
 * the namespace ids of a thread in a pid namespace of its own, the socket block when the fd is a socket, the command, container and fd names; the event's own
 * record that follows is read by the {@link ScapRecord} it extends.
 */
final class RecordView extends ScapRecord implements RawEvent {
    static final int FLAG_FD_INFO = 0x1;
    static final int FLAG_PARAM_TRUNCATED = 0x2;
    static final int FLAG_NO_THREAD = 0x4;
    static final int FLAG_LARGE_PAYLOAD = 0x8;
    static final int FLAG_SOCKET = 0x10;
    static final int FLAG_KERNEL_CONTEXT = 0x20;
    static final int FLAG_NS_IDS = 0x40;

    // the fixed part of a record (struct kp_record of the shim's kindling_shim.h; layout() lists them all)
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
    static final int FIXED = 64;
    // the namespace ids block (a thread in a pid namespace of its own), from the end of the fixed part
    private static final int NS_BLOCK = 16;
    private static final int N_VPID = 0;
    private static final int N_VTID = 8;
    // the socket block, after the fixed part and the namespace ids block
    private static final int SOCKET_BLOCK = 40;
    private static final int S_SPORT = 0;
    private static final int S_DPORT = 2;
    private static final int S_SIP = 8;
    private static final int S_DIP = 24;
    /**
     * Where this class and {@link BatchView} read each field of the shim's record schema (kindling_shim.h):
     * {@code block.field} to its offset in its block and the bytes read there; {@code block.(size)} to the
     * block's size. A test compares it with the shim's own ({@code kp_record_layout}).
     */
    static Map<String, List<Integer>> layout() {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        m.put("header.event_count", List.of(BatchView.H_COUNT, Integer.BYTES));
        m.put("header.status", List.of(BatchView.H_STATUS, Integer.BYTES));
        m.put("header.(size)", List.of(0, BatchView.HEADER));
        m.put("record.rec_len", List.of(O_LEN, Integer.BYTES));
        m.put("record.flags", List.of(O_FLAGS, Short.BYTES));
        m.put("record.kcat", List.of(O_KCAT, Byte.BYTES));
        m.put("record.source", List.of(O_SOURCE, Byte.BYTES));
        m.put("record.pid", List.of(O_PID, Long.BYTES));
        m.put("record.tid", List.of(O_TID, Long.BYTES));
        m.put("record.latency", List.of(O_LATENCY, Long.BYTES));
        m.put("record.uid", List.of(O_UID, Integer.BYTES));
        m.put("record.gid", List.of(O_GID, Integer.BYTES));
        m.put("record.fd_num", List.of(O_FDNUM, Long.BYTES));
        m.put("record.cpu", List.of(O_CPU, Short.BYTES));
        m.put("record.generic_sc", List.of(O_GENERIC, Short.BYTES));
        m.put("record.comm_len", List.of(O_COMMLEN, Short.BYTES));
        m.put("record.container_len", List.of(O_CONTLEN, Short.BYTES));
        m.put("record.fdname_len", List.of(O_FDNAMELEN, Short.BYTES));
        m.put("record.fd_type", List.of(O_FDTYPE, Byte.BYTES));
        m.put("record.l4proto", List.of(O_L4, Byte.BYTES));
        m.put("record.role_server", List.of(O_ROLE, Byte.BYTES));
        m.put("record.(size)", List.of(0, FIXED));
        m.put("ns.vpid", List.of(N_VPID, Long.BYTES));
        m.put("ns.vtid", List.of(N_VTID, Long.BYTES));
        m.put("ns.(size)", List.of(0, NS_BLOCK));
        m.put("socket.sport", List.of(S_SPORT, Short.BYTES));
        m.put("socket.dport", List.of(S_DPORT, Short.BYTES));
        m.put("socket.sip", List.of(S_SIP, 16));
        m.put("socket.dip", List.of(S_DIP, 16));
        m.put("socket.(size)", List.of(0, SOCKET_BLOCK));
        return m;
    }

    /** The shim's "not known" for a 16-bit field (the CPU live through udig, a generic event's syscall). */
    private static final int UNKNOWN_U16 = 0xffff;

    private final ByteBuffer buf;
    private final EventNameTable names;
    private final StringCache comms;
    private final StringCache containers;
    private final StringCache fdNames;

    private int pos;
    private int flags;
    private int nsIds;
    private int socket;
    private int strings;

    RecordView(ByteBuffer buf, EventTable table, EventNameTable names, StringCache comms, StringCache containers,
            StringCache fdNames) {
        super(buf, table);
        this.buf = buf;
        this.names = names;
        this.comms = comms;
        this.containers = containers;
        this.fdNames = fdNames;
    }

    /** The length of the record at {@code pos}, from its start to the next one's. */
    int length(int pos) {
        return buf.getInt(pos + O_LEN);
    }

    /**
     * Moves to the record at {@code pos}, which ends at {@code end} (at least {@link #FIXED} bytes further).
     * Returns false, and stays nowhere, when its socket block, strings and event header do not fit before
     * {@code end}.
     */
    boolean moveTo(int pos, int end) {
        this.pos = pos;
        flags = u16(O_FLAGS);
        nsIds = pos + FIXED;
        socket = (flags & FLAG_NS_IDS) != 0 ? nsIds + NS_BLOCK : nsIds;
        strings = (flags & FLAG_SOCKET) != 0 ? socket + SOCKET_BLOCK : socket;
        int record = strings + u16(O_COMMLEN) + u16(O_CONTLEN) + u16(O_FDNAMELEN);
        if (record > end - SCAP_HEADER) {
            return false;
        }
        moveToRecord(record, end, (flags & FLAG_LARGE_PAYLOAD) != 0);
        return true;
    }

    private int u16(int field) {
        return buf.getShort(pos + field) & 0xffff;
    }

    @Override
    public int genericSyscall() {
        int sc = u16(O_GENERIC);
        return sc == UNKNOWN_U16 ? -1 : sc;
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
    public long latency() {
        return buf.getLong(pos + O_LATENCY);
    }

    @Override
    public int cpu() {
        int cpu = u16(O_CPU);
        return cpu == UNKNOWN_U16 ? -1 : cpu; // live through udig
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
    public long vpid() {
        return (flags & FLAG_NS_IDS) != 0 ? buf.getLong(nsIds + N_VPID) : pid();
    }

    @Override
    public long vtid() {
        return (flags & FLAG_NS_IDS) != 0 ? buf.getLong(nsIds + N_VTID) : tid();
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
                Arrays.fill(into, 0, n, (byte) 0);
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
}
