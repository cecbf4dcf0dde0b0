package io.kindling.probe.inspector;

import com.sun.jna.Memory;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One batch buffer that the shim fills, and the walk over its records. The layout is written by
 * the shim (kindling_shim.cpp): a 64-byte header (the record count, then the status), then 8-byte
 * aligned records, each starting with its own length. The current record is read through one
 * reused {@link RecordView}.
 */
final class BatchView implements RawBatch {
    static final int HEADER = 64;
    static final int STATUS_MORE = 0;
    static final int STATUS_END = 1;
    static final int STATUS_TIMEOUT = 2;
    private static final int H_COUNT = 0;
    private static final int H_STATUS = 8;

    final Memory memory;
    final ByteBuffer buf;
    final int capacity;
    private final NativeSession owner;
    private final RecordView record;

    private int count;
    private int index;
    private int next;
    int status;

    /** The caches are the session's, one per kind of string, shared by its batches (one reader thread). */
    BatchView(int capacity, EventTable table, EventNameTable names, NativeSession owner, StringCache comms,
            StringCache containers, StringCache fdNames) {
        this.capacity = capacity;
        this.memory = new Memory(capacity);
        this.buf = memory.getByteBuffer(0, capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.owner = owner;
        this.record = new RecordView(buf, table, names, comms, containers, fdNames);
    }

    /** Prepares the view after the shim filled the buffer. */
    void reset() {
        count = buf.getInt(H_COUNT);
        status = buf.getInt(H_STATUS);
        index = -1;
        next = HEADER;
    }

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
        int pos = next;
        next = pos + record.length(pos);
        record.moveTo(pos, next);
        return true;
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
