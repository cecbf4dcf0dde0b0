package io.kindling.probe.inspector;

import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An open capture. A reader thread fills the next batch in the shim while the core works on the
 * current one, so libsinsp's reading overlaps Java's work. Buffers circulate between a free queue
 * and a full queue; the end of the capture and errors travel through the full queue too.
 *
 * <p>A capture file's filters apply from the first event after the batch during which they were set:
 * a batch filled while the core is still working on an earlier one may be handed out after a new
 * subscription, so it is filled with every event (the push-down waits) and the filters in force when it
 * is handed out choose its records here. A batch filled while the core waits for it is filled with the
 * filters themselves. Batches are filled ahead only while the core takes longer over a batch than the
 * shim takes to fill one; otherwise each is filled when asked for. A live capture's filters, which the kernel programs follow, apply from the next
 * batch filled, and only to events the kernel produces from then on.
 */
final class NativeSession implements InspectorSession {
    static final int BUFFERS = 4;

    private final long handle;
    private final int maxEvents;
    /** The snaplen a live capture was opened with (its floor); 0 for a capture file. */
    int openedSnaplen;
    private int snaplen;
    /** What the socket I/O of a live capture keeps beyond the snaplen (0: the snaplen), -1 when it cannot. */
    private int socketSnaplen;
    private final BlockingQueue<BatchView> free;
    private final BlockingQueue<Object> full;
    private final Thread reader;
    private volatile boolean closing;
    private boolean ended;
    private final boolean live;
    private final Filters everything;
    /** The filters set last (a capture file); what the reader installed in the shim (reader thread only). */
    private volatile Filters wanted;
    private Filters installed;
    /** Guards {@link #loopWaiting} against the full queue's state. */
    private final Object gate = new Object();
    /** Whether the core waits in nextBatch with no batch filled: the batch filled now is the one it gets. */
    private boolean loopWaiting;
    /** A capture file: whether the reader fills batches before they are asked for (with every event). */
    private boolean readAhead;
    /** How long the core worked on its last batch, from its hand-out to the next call; when it was handed out. */
    private volatile long loopNanos;
    private long handedOutAt;
    /** Records filled with every event that the filters in force when handed out left out (with thread, without). */
    private final java.util.concurrent.atomic.AtomicLong leftOut = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong leftOutNoThread = new java.util.concurrent.atomic.AtomicLong();
    /** The counters kp_counters fills (KP_CNT_*); after the close, the last ones read. */
    private final long[] counterCells = new long[Shim.CNT_COUNT];

    /** What the reader thread puts in the full queue when the capture ends or fails. */
    private record End(String error) {}

    /** The subscriptions' filter and the threadless filter, as set together into the shim. */
    record Filters(FilterTable main, FilterTable threadless) {
        /** Whether the shim, filtering with these, would have copied the record. */
        boolean admits(RecordView r, int genericEnter) {
            int type = r.type();
            int category = r.category().code();
            if (!r.hasThread()) {
                return threadless.allows(type, category);
            }
            if (!main.allows(type, category)) {
                return false;
            }
            return (type != genericEnter && type != genericEnter + 1)
                    || main.allowsGeneric(type == genericEnter + 1, r.genericSyscall(), category);
        }
    }

    /** No process has this id: the own-process rule then drops nothing. */
    static final long NO_PID = Long.MIN_VALUE;

    /**
     * @param live whether events come from this machine now; only then can they be the probe's own
     *     (a capture was recorded elsewhere or earlier, and a pid there that equals ours is another process)
     */
    NativeSession(long handle, NativeEventTable table, EventNameTable names, int bufferBytes, int maxEvents, String label,
            boolean live) {
        this.handle = handle;
        this.maxEvents = maxEvents;
        this.live = live;
        this.everything = new Filters(FilterTable.everything(table), FilterTable.everything(table));
        this.wanted = new Filters(new FilterTable(table.syscallCount()), new FilterTable(table.syscallCount()));
        this.installed = wanted;
        this.free = new ArrayBlockingQueue<>(BUFFERS);
        this.full = new ArrayBlockingQueue<>(BUFFERS + 1);
        // the batches are read by one thread, the event loop
        StringCache comms = new StringCache();
        StringCache containers = new StringCache();
        StringCache fdNames = new StringCache();
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new BatchView(bufferBytes, table, names, this, comms, containers, fdNames));
        }
        Shim.kp_set_own_pid(handle, live ? ProcessHandle.current().pid() : NO_PID);
        this.reader = new Thread(this::readLoop, "kindling-inspector-" + label);
        this.reader.setDaemon(true);
    }

    private boolean started;

    private void readLoop() {
        try {
            while (!closing) {
                BatchView view = free.poll(100, TimeUnit.MILLISECONDS);
                if (view == null) {
                    continue;
                }
                if (!live) {
                    Filters fill;
                    synchronized (gate) {
                        while (!readAhead && !closing && !(loopWaiting && full.isEmpty())) {
                            gate.wait(100); // the core asks for the batch: filled with the filters themselves
                        }
                        fill = loopWaiting && full.isEmpty() ? wanted : everything;
                    }
                    // an event that did not fit the last batch opens this one, as the filters then let it through
                    view.filledWith = fill == installed ? fill : null;
                    if (fill != installed) {
                        install(fill);
                        installed = fill;
                    }
                }
                long fillStart = System.nanoTime();
                int n = Shim.kp_next_batch(handle, view.memory, view.capacity, maxEvents);
                long fillNanos = System.nanoTime() - fillStart;
                if (n < 0) {
                    full.put(new End(lastError()));
                    return;
                }
                view.reset();
                synchronized (gate) {
                    // reading ahead pays while the core takes longer over a batch than the shim does to fill one;
                    // once the core waits for a batch, the next ones are filled when asked for (no events copied
                    // for nothing)
                    readAhead = readAhead ? !loopWaiting : loopNanos > fillNanos;
                }
                full.put(view);
                if (view.status == BatchView.STATUS_END) {
                    full.put(new End(null));
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            full.offer(new End("native inspector failed: " + t));
        }
    }

    private String lastError() {
        byte[] b = new byte[4096];
        Shim.kp_last_error(handle, b, b.length);
        String m = Shim.message(b);
        return m.isEmpty() ? "unknown error while reading events" : m;
    }

    /**
     * A capture file's filters are taken here and installed by the reader before the batch they apply to
     * (see the class comment); a live capture's go to the shim at once, for its next batch.
     */
    @Override
    public void setFilter(FilterTable filter) {
        if (live || !started) {
            refused(Shim.kp_set_filter(handle, filter.typeCells(), FilterTable.MAX_TYPES, filter.genericCells(),
                    filter.syscalls()));
        }
        wanted = new Filters(copy(filter), wanted.threadless());
        if (!started) {
            installed = wanted;
        }
    }

    @Override
    public void setThreadlessFilter(FilterTable filter) {
        if (live || !started) {
            refused(Shim.kp_set_threadless_filter(handle, filter.typeCells(), FilterTable.MAX_TYPES));
        }
        wanted = new Filters(wanted.main(), copy(filter));
        if (!started) {
            installed = wanted;
        }
    }

    /** The caller may change its table afterwards: the session keeps what it was given. */
    private static FilterTable copy(FilterTable filter) {
        FilterTable c = new FilterTable(filter.syscalls());
        System.arraycopy(filter.typeCells(), 0, c.typeCells(), 0, c.typeCells().length);
        System.arraycopy(filter.genericCells(), 0, c.genericCells(), 0, c.genericCells().length);
        return c;
    }

    /** Reader thread: the filters the next batch is filled with. */
    private void install(Filters f) {
        refused(Shim.kp_set_filter(handle, f.main().typeCells(), FilterTable.MAX_TYPES, f.main().genericCells(),
                f.main().syscalls()));
        refused(Shim.kp_set_threadless_filter(handle, f.threadless().typeCells(), FilterTable.MAX_TYPES));
    }

    /** Event loop thread: a record of a batch filled with every event that the filters in force leave out. */
    void leftOut(boolean hasThread) {
        (hasThread ? leftOut : leftOutNoThread).incrementAndGet();
    }

    /** A setting the shim refused on an open session is a fault of the caller's: said, never ignored. */
    private void refused(int status) {
        if (status < 0 && !closing) {
            throw new IllegalStateException(lastError());
        }
    }

    @Override
    public synchronized long copiedWithoutThread() {
        return counters0()[8] - leftOutNoThread.get();
    }

    @Override
    public synchronized long paramsCut() {
        return counters0()[9];
    }

    @Override
    public int requireSnaplen(int bytes) {
        if (openedSnaplen <= 0) {
            return 0;
        }
        int wanted = Math.max(openedSnaplen, Math.min(LiveSettings.MAX_SNAPLEN, bytes));
        if (wanted != (snaplen == 0 ? openedSnaplen : snaplen) && Shim.kp_set_snaplen(handle, wanted) == 0) {
            snaplen = wanted;
        }
        return snaplen == 0 ? openedSnaplen : snaplen;
    }

    @Override
    public int requireSocketSnaplen(int bytes) {
        if (openedSnaplen <= 0 || socketSnaplen < 0) {
            return -1;
        }
        int wanted = Math.max(0, Math.min(LiveSettings.MAX_SNAPLEN, bytes));
        if (wanted != socketSnaplen) {
            if (Shim.kp_set_socket_snaplen(handle, wanted) != 0) {
                socketSnaplen = -1; // the kernel module: one snaplen for every call
                return -1;
            }
            socketSnaplen = wanted;
        }
        return socketSnaplen;
    }

    @Override
    public void setOwnPid(long pid) {
        refused(Shim.kp_set_own_pid(handle, pid));
    }

    @Override
    public boolean suppressComm(String comm) throws InspectorException {
        if (Shim.kp_suppress_comm(handle, comm) != 0) {
            throw new InspectorException(lastError());
        }
        return true;
    }

    @Override
    public RawBatch nextBatch() throws InspectorException {
        if (ended) {
            return null;
        }
        Object item;
        if (handedOutAt != 0) {
            loopNanos = System.nanoTime() - handedOutAt;
        }
        synchronized (gate) {
            item = full.poll();
            loopWaiting = item == null;
            gate.notifyAll();
        }
        if (!started) {
            started = true;
            reader.start(); // only now: the filter set before the first batch applies to every event
        }
        try {
            if (item == null) {
                item = full.take();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InspectorException("interrupted while waiting for events", e);
        } finally {
            synchronized (gate) {
                loopWaiting = false;
            }
        }
        if (item instanceof End end) {
            ended = true;
            if (end.error() != null) {
                throw new InspectorException(end.error());
            }
            return null;
        }
        BatchView view = (BatchView) item;
        handedOutAt = System.nanoTime();
        Filters now = wanted;
        view.choose(live || view.filledWith == now ? null : now);
        return view;
    }

    @Override
    public long countRest() throws InspectorException {
        if (started) {
            throw new IllegalStateException("countRest() on a session that already handed out batches");
        }
        long n = Shim.kp_count_rest(handle);
        if (n < 0) {
            throw new InspectorException(lastError());
        }
        ended = true;
        return n;
    }

    void release(BatchView view) {
        free.offer(view);
    }

    @Override
    public synchronized InspectorCounters counters() {
        long[] c = counters0();
        // the records chosen out here count as the shim counts what its filters drop
        long out = leftOut.get();
        long outNoThread = leftOutNoThread.get();
        return new InspectorCounters(c[0], c[1], c[2], c[3] + outNoThread, c[4], c[5] + out, c[6] - out - outNoThread);
    }

    private final long[] captureCells = new long[Shim.STAT_COUNT];

    @Override
    public synchronized io.kindling.probe.api.control.CaptureStatistics captureStatistics() {
        if (Shim.kp_capture_stats(handle, captureCells, captureCells.length) < 0) {
            return lastCapture;
        }
        long[] c = captureCells;
        String source = c[Shim.STAT_SOURCE] == Shim.SOURCE_EBPF ? io.kindling.probe.api.control.CaptureStatistics.EBPF
                : c[Shim.STAT_SOURCE] == Shim.SOURCE_KERNEL_MODULE ? io.kindling.probe.api.control.CaptureStatistics.KERNEL_MODULE
                : io.kindling.probe.api.control.CaptureStatistics.FILE;
        lastCapture = new io.kindling.probe.api.control.CaptureStatistics(source, c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15], c[16], c[17], c[18]);
        return lastCapture;
    }

    /** The figures of the last call, kept for after the close. */
    private io.kindling.probe.api.control.CaptureStatistics lastCapture = io.kindling.probe.api.control.CaptureStatistics.NONE;

    private synchronized long[] counters0() {
        long[] read = new long[counterCells.length];
        if (Shim.kp_counters(handle, read, read.length) >= 0) {
            System.arraycopy(read, 0, counterCells, 0, read.length);
        }
        return counterCells;
    }

    /** How long close() waits for the reader thread. */
    int joinMillis = 10_000;

    long handle() {
        return handle;
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (!started) {
            Shim.kp_close(handle);
            return;
        }
        reader.interrupt();
        try {
            reader.join(joinMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // also when the reader is still inside a batch: kp_close waits for the batch, and the reader's
        // next call finds the handle closed and ends; a live capture and its machine lock never outlive
        // the session
        Shim.kp_close(handle);
    }
}
