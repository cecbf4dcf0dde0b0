package io.kindling.probe.inspector;

import com.sun.jna.Memory;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One batch buffer that the shim fills, and the walk over its records. The layout is the shim's record
 * schema (kindling_shim.h): a 64-byte header (the record count, then the status), then 8-byte
 * aligned records, each starting with its own length. The current record is read through one
 * reused {@link RecordView}.
 */
final class BatchView implements RawBatch {
    static final int HEADER = 64;
    static final int STATUS_MORE = 0;
    static final int STATUS_END = 1;
    static final int STATUS_TIMEOUT = 2;
    static final int H_COUNT = 0;
    static final int H_STATUS = 8;

    final Memory memory;
    final ByteBuffer buf;
    final int capacity;
    private final NativeSession owner;
    private final RecordView record;

    private static final System.Logger LOG = System.getLogger(BatchView.class.getName());
    private int refusals;
    private int count;
    private int index;
    private int next;
    int status;
    /**
     * The filters the shim filled this batch with (a capture file; null when the filters changed at its start),
     * and those that choose its records, if others.
     */
    NativeSession.Filters filledWith;
    private NativeSession.Filters choosing;
    private final int genericEnter;

    /** The caches are the session's, one per kind of string, shared by its batches (one reader thread). */
    BatchView(int capacity, EventTable table, EventNameTable names, NativeSession owner, StringCache comms,
            StringCache containers, StringCache fdNames) {
        this.capacity = capacity;
        this.memory = new Memory(capacity);
        this.buf = memory.getByteBuffer(0, capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.owner = owner;
        this.record = new RecordView(buf, table, names, comms, containers, fdNames);
        this.genericEnter = table.genericEnterType();
    }

    /** The filters that choose the records handed out, null for every record the shim copied. */
    void choose(NativeSession.Filters filters) {
        choosing = filters;
    }

    /** Prepares the view after the shim filled the buffer; a count the buffer cannot hold is cut to what it can. */
    void reset() {
        int n = buf.getInt(H_COUNT);
        int most = (capacity - HEADER) / RecordView.FIXED;
        if (n < 0 || n > most) {
            refused("a record count of " + n + " in a buffer that holds at most " + most);
            n = Math.max(0, Math.min(n, most));
        }
        count = n;
        status = buf.getInt(H_STATUS);
        index = -1;
        next = HEADER;
    }

    @Override
    public int size() {
        return count;
    }

    /**
     * Moves to the next record. Batch memory is the shim's, yet it is read with checks: a record whose
     * length is not a whole 8-byte aligned record inside the buffer ends the batch (where the next record
     * starts is not known), and a record whose own parts run past its end is skipped.
     */
    @Override
    public boolean next() {
        while (index + 1 < count) {
            index++;
            int pos = next;
            int length = pos <= capacity - RecordView.FIXED ? record.length(pos) : -1;
            if (length < RecordView.FIXED || (length & 7) != 0 || length > capacity - pos) {
                refused("record " + index + " of " + count + " at offset " + pos + " has length " + length
                        + "; the rest of the batch is left out");
                count = index;
                return false;
            }
            next = pos + length;
            if (record.moveTo(pos, next)) {
                if (choosing == null || choosing.admits(record, genericEnter)) {
                    return true;
                }
                owner.leftOut(record.hasThread());
                continue;
            }
            refused("record " + index + " at offset " + pos + " does not hold its own strings and event; it is left out");
        }
        return false;
    }

    /** Batch memory that does not read as the shim writes it: logged (a few times), never read past. */
    private void refused(String what) {
        if (refusals++ < 10) {
            LOG.log(System.Logger.Level.ERROR, "batch memory refused: " + what);
        }
    }

    @Override
    public RawEvent event() {
        return record;
    }

    @Override
    public void release() {
        owner.release(this);
    }
}
