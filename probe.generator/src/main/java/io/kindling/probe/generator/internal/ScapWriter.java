package io.kindling.probe.generator.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Low level writer of the scap capture file format (section version 1.2, little endian), as read by
 * libscap's savefile reader: a section header block, metadata blocks (machine info, interface list,
 * user list, process list, fd lists) and then one {@code EV_BLOCK_TYPE_V2} block per event.
 *
 * <p>Every block is {@code u32 type, u32 total length, payload, zero padding to 4 bytes, u32 total
 * length}. Events are {@code u16 cpuid} followed by the {@code ppm_evt_hdr} (u64 ts, u64 tid, u32 len,
 * u16 type, u32 nparams), one u16 length per parameter and the parameter values.
 *
 * <p>The writer fills one of two large buffers while a background thread writes the other one to the
 * file channel, so producing an event costs a few buffer puts and no allocation.
 */
public final class ScapWriter implements Closeable {

    public static final int SHB_BLOCK_TYPE = 0x0A0D0D0A;
    public static final int SHB_MAGIC = 0x1A2B3C4D;
    public static final int MI_BLOCK_TYPE = 0x201;
    public static final int PL_BLOCK_TYPE_V9 = 0x215;
    public static final int FDL_BLOCK_TYPE_V2 = 0x218;
    public static final int EV_BLOCK_TYPE_V2 = 0x216;
    public static final int IL_BLOCK_TYPE_V2 = 0x219;
    public static final int UL_BLOCK_TYPE_V2 = 0x220;

    /** Size of ppm_evt_hdr (packed). */
    public static final int EVENT_HEADER_SIZE = 26;
    /** Upper bound of one event block; data parameters are capped well below this. */
    static final int MAX_EVENT_BLOCK = 16 * 1024;

    private static final int BUFFER_SIZE = 8 * 1024 * 1024;
    private static final ByteBuffer POISON = ByteBuffer.allocate(0);

    private final FileChannel channel;
    private final BlockingQueue<ByteBuffer> toWrite = new ArrayBlockingQueue<>(2);
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(2);
    private final Thread ioThread;
    private volatile IOException ioFailure;
    private ByteBuffer buf;
    private long bytesQueued;
    private boolean closed;

    // block / event under construction
    private int blockStart = -1;
    private int lenTable;
    private int paramCount;
    private int paramIndex;
    private int entryStart = -1;

    public ScapWriter(Path out) throws IOException {
        this.channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        this.buf = newBuffer();
        this.free.add(newBuffer());
        this.ioThread = new Thread(this::ioLoop, "scap-writer");
        this.ioThread.setDaemon(true);
        this.ioThread.start();
    }

    private static ByteBuffer newBuffer() {
        return ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void ioLoop() {
        try {
            while (true) {
                ByteBuffer b = toWrite.take();
                if (b == POISON) {
                    return;
                }
                if (ioFailure == null) {
                    try {
                        while (b.hasRemaining()) {
                            channel.write(b);
                        }
                    } catch (IOException e) {
                        ioFailure = e;
                    }
                }
                b.clear();
                free.put(b);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Total number of bytes produced so far (written or queued). */
    public long bytesWritten() {
        return bytesQueued + buf.position();
    }

    private void ensure(int room) throws IOException {
        if (buf.remaining() < room) {
            swap();
        }
    }

    private void swap() throws IOException {
        if (blockStart >= 0) {
            throw new IllegalStateException("cannot flush in the middle of a block");
        }
        checkFailure();
        buf.flip();
        bytesQueued += buf.remaining();
        try {
            toWrite.put(buf);
            buf = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the capture", e);
        }
    }

    private void checkFailure() throws IOException {
        IOException f = ioFailure;
        if (f != null) {
            throw new IOException("writing the capture failed: " + f.getMessage(), f);
        }
    }

    // ------------------------------------------------------------------ generic blocks

    /** Starts a metadata block; the whole block must fit in {@code room} bytes. */
    public void beginBlock(int type, int room) throws IOException {
        if (room > BUFFER_SIZE / 2) {
            throw new IllegalArgumentException("metadata block too large: " + room);
        }
        ensure(room);
        blockStart = buf.position();
        buf.putInt(type);
        buf.putInt(0);
    }

    public void endBlock() {
        int payload = buf.position() - blockStart - 8;
        int pad = (-payload) & 3;
        for (int i = 0; i < pad; i++) {
            buf.put((byte) 0);
        }
        int total = 8 + payload + pad + 4;
        buf.putInt(blockStart + 4, total);
        buf.putInt(total);
        blockStart = -1;
    }

    /** Starts a length-prefixed sub entry; see {@link #endEntry(boolean)}. */
    public void beginEntry() {
        entryStart = buf.position();
        buf.putInt(0);
    }

    /**
     * Ends the sub entry and back-patches its u32 length, which counts the length field itself
     * (process, fd and user list entries) or not (interface list entries).
     */
    public void endEntry(boolean lengthIncludesItself) {
        int len = buf.position() - entryStart;
        buf.putInt(entryStart, lengthIncludesItself ? len : len - 4);
        entryStart = -1;
    }

    public void writeSectionHeader() throws IOException {
        beginBlock(SHB_BLOCK_TYPE, 64);
        buf.putInt(SHB_MAGIC);
        buf.putShort((short) 1); // major
        buf.putShort((short) 2); // minor
        buf.putLong(-1L); // section length: unknown
        endBlock();
    }

    public ScapWriter u8(int v) {
        buf.put((byte) v);
        return this;
    }

    public ScapWriter u16(int v) {
        buf.putShort((short) v);
        return this;
    }

    public ScapWriter u32(int v) {
        buf.putInt(v);
        return this;
    }

    public ScapWriter u64(long v) {
        buf.putLong(v);
        return this;
    }

    public ScapWriter raw(byte[] b) {
        buf.put(b);
        return this;
    }

    /** u16 length followed by the bytes, no terminator (the metadata string encoding). */
    public ScapWriter lstr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        buf.putShort((short) b.length);
        buf.put(b);
        return this;
    }

    /** u16 length followed by raw bytes (NUL separated lists such as args, env, cgroups). */
    public ScapWriter lbytes(byte[] b) {
        buf.putShort((short) b.length);
        buf.put(b);
        return this;
    }

    /** Fixed width, zero padded string field. */
    public ScapWriter fixedStr(String s, int width) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, width - 1);
        buf.put(b, 0, n);
        for (int i = n; i < width; i++) {
            buf.put((byte) 0);
        }
        return this;
    }

    // ------------------------------------------------------------------ events

    /** Starts an event block; exactly {@code nparams} parameter writes and {@link #end()} must follow. */
    public void begin(int cpu, long ts, long tid, int type, int nparams) throws IOException {
        if (buf.remaining() < MAX_EVENT_BLOCK) {
            swap();
        }
        ByteBuffer b = buf;
        blockStart = b.position();
        b.putInt(EV_BLOCK_TYPE_V2);
        b.putInt(0);
        b.putShort((short) cpu);
        b.putLong(ts);
        b.putLong(tid);
        b.putInt(0);
        b.putShort((short) type);
        b.putInt(nparams);
        lenTable = b.position();
        b.position(lenTable + 2 * nparams);
        paramCount = nparams;
        paramIndex = 0;
    }

    private void len(int l) {
        buf.putShort(lenTable + 2 * paramIndex++, (short) l);
    }

    public void pI64(long v) {
        len(8);
        buf.putLong(v);
    }

    public void pU64(long v) {
        len(8);
        buf.putLong(v);
    }

    public void pU32(int v) {
        len(4);
        buf.putInt(v);
    }

    public void pU16(int v) {
        len(2);
        buf.putShort((short) v);
    }

    public void pU8(int v) {
        len(1);
        buf.put((byte) v);
    }

    /** A parameter of length zero (e.g. the data of a failed read). */
    public void pEmpty() {
        len(0);
    }

    /** Byte buffer parameter (PT_BYTEBUF). */
    public void pBytes(byte[] data, int off, int n) {
        len(n);
        buf.put(data, off, n);
    }

    /** NUL terminated string parameter (PT_CHARBUF, PT_FSPATH, PT_FSRELPATH). */
    public void pString(byte[] s, int n) {
        len(n + 1);
        buf.put(s, 0, n);
        buf.put((byte) 0);
    }

    /** PT_SOCKADDR for AF_INET: family, address in network order, port in host order. */
    public void pSockaddr4(int ip, int port) {
        len(7);
        buf.put((byte) Ppm.AF_INET);
        buf.putInt(ip);
        buf.putShort((short) port);
    }

    public void pSockaddr6(byte[] ip, int port) {
        len(19);
        buf.put((byte) Ppm.AF_INET6);
        buf.put(ip, 0, 16);
        buf.putShort((short) port);
    }

    /** PT_SOCKTUPLE for AF_INET: family, source ip, source port, destination ip, destination port. */
    public void pTuple4(int sip, int sport, int dip, int dport) {
        len(13);
        buf.put((byte) Ppm.AF_INET);
        buf.putInt(sip);
        buf.putShort((short) sport);
        buf.putInt(dip);
        buf.putShort((short) dport);
    }

    public void pTuple6(byte[] sip, int sport, byte[] dip, int dport) {
        len(37);
        buf.put((byte) Ppm.AF_INET6);
        buf.put(sip, 0, 16);
        buf.putShort((short) sport);
        buf.put(dip, 0, 16);
        buf.putShort((short) dport);
    }

    /** Finishes the event: back-patches the event and block lengths, pads and writes the trailer. */
    public void end() {
        if (paramIndex != paramCount) {
            throw new IllegalStateException("event has " + paramIndex + " of " + paramCount + " parameters");
        }
        ByteBuffer b = buf;
        int evStart = blockStart + 10;
        int evLen = b.position() - evStart;
        b.putInt(evStart + 16, evLen);
        int body = 2 + evLen;
        int pad = (-body) & 3;
        for (int i = 0; i < pad; i++) {
            b.put((byte) 0);
        }
        int total = 8 + body + pad + 4;
        b.putInt(blockStart + 4, total);
        b.putInt(total);
        blockStart = -1;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            if (blockStart < 0) {
                swap();
            }
        } catch (IOException e) {
            failure = e;
        }
        try {
            toWrite.put(POISON);
            ioThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        if (failure == null && ioFailure != null) {
            failure = new IOException("writing the capture failed: " + ioFailure.getMessage(), ioFailure);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
