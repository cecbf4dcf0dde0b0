package io.kindling.probe.inspector;

import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.ParamTypes;
import java.nio.ByteBuffer;

/**
 * The event's own record in a batch, as libscap read it and the shim copied it: libscap's
 * ppm_evt_hdr (timestamp, length, type, parameter count), then the parameters' lengths and values.
 * Positioned on one record at a time by the {@link RecordView} that extends it (one object, so that
 * reading a parameter costs no call through another); the parameters are located once per record,
 * their names and types come from the event table.
 */
class ScapRecord {
    static final int MAX_PARAMS = 16;
    private static final int R_TS = 0;
    private static final int R_LEN = 16;
    private static final int R_TYPE = 20;
    private static final int R_NPARAMS = 22;
    private static final int R_HEADER = 26;
    /** The size of libscap's event header, which a record holds at least. */
    static final int SCAP_HEADER = R_HEADER;
    /** libscap's PT_BYTEBUF: the native type of a parameter the event table does not describe. */
    private static final int UNDESCRIBED_TYPE = 10;

    private final ByteBuffer buf;
    private final EventTable table;
    private final int[] paramOffsets = new int[MAX_PARAMS];
    private final int[] paramLengths = new int[MAX_PARAMS];
    private int record;
    private int type;
    private int paramCount;

    ScapRecord(ByteBuffer buf, EventTable table) {
        this.buf = buf;
        this.table = table;
    }

    /**
     * Moves to the record at {@code record}, whose batch entry ends at {@code end}; {@code large}:
     * its parameter lengths take 4 bytes each instead of 2.
     */
    final void moveToRecord(int record, int end, boolean large) {
        this.record = record;
        this.type = buf.getShort(record + R_TYPE) & 0xffff;
        readParams(end, large);
    }

    /**
     * The parameters as libsinsp reads them: as many as both the event table and the record say
     * (at most {@link #MAX_PARAMS}), lengths after the record's header, values after its own count
     * of lengths. A length reaching past the record is cut at its end.
     */
    private void readParams(int next, boolean large) {
        long end = Math.min((long) record + (buf.getInt(record + R_LEN) & 0xffffffffL), next);
        long inRecord = buf.getInt(record + R_NPARAMS) & 0xffffffffL;
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

    public final int type() {
        return type;
    }

    public final long timestamp() {
        return buf.getLong(record + R_TS);
    }

    public final int paramCount() {
        return paramCount;
    }

    public final String paramName(int i) {
        return i < table.paramCount(type) ? table.paramName(type, i) : "arg" + i;
    }

    public final int paramNativeType(int i) {
        return i < table.paramCount(type) ? table.paramType(type, i) : UNDESCRIBED_TYPE;
    }

    public final ValueType paramValueType(int i) {
        return ParamTypes.valueType(paramNativeType(i));
    }

    public final int paramLength(int i) {
        return paramLengths[i];
    }

    public final byte[] paramBytes(int i) {
        byte[] b = new byte[paramLengths[i]];
        buf.get(paramOffsets[i], b);
        return b;
    }

    /** The first {@code count} parameters packed as {@link io.kindling.probe.api.spi.RawEvent#packedParams} describes. */
    public final byte[] packedParams(int count) {
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

    public final long paramAsLong(int i) {
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

    public final int paramIndex(String name) {
        int n = Math.min(paramCount, table.paramCount(type));
        for (int i = 0; i < n; i++) {
            if (table.paramName(type, i).equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
