package io.kindling.probe.core;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sink's bounded queue and delivery thread. The event loop gathers the sink's events in a
 * chunk and hands over whole chunks (at the end of each batch, or when a chunk is full), so that
 * the two threads meet once per chunk rather than once per event; the sink's thread delivers.
 * <p>
 * The queue holds {@code capacity} events, exactly: an event takes a place when it is handed over
 * and gives it back as soon as it is delivered (not when its whole chunk is), so a sink that is slow
 * but moving always makes room and is never taken for stalled. When the queue is full, the event loop waits
 * for room while the sink makes progress, so a sink that merely runs slower than the events, or was paused (a
 * collection, a busy machine), loses nothing here. A replay then reads more slowly; a live run reads more
 * slowly too, and the events wait in the kernel's rings, which are the one place where a live run loses
 * events when the probe cannot keep up (the capture statistics count them as dropped in the BPF ring). A sink
 * that makes no progress while it is waited for ({@code sink.stall.millis} in a replay, a second live) is
 * stalled: what does not fit its queue is dropped and counted as its own loss until its queue is half free
 * again, and the loop does not wait for it meanwhile, so that one stuck sink does not stop the others.
 */
final class SinkChannel {
    private static final System.Logger LOG = System.getLogger(SinkChannel.class.getName());
    /**
     * Events per chunk. A sink that keeps up waits for each chunk, and each hand-over then wakes
     * its thread: big enough chunks keep these wake-ups rare (a few per batch).
     */
    static final int CHUNK = 4096;
    /** A live sink that delivers nothing for this long while it is waited for is stalled: the live run stops waiting for it. */
    static final long LIVE_STALL_MILLIS = 1000;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Queued to mark the end of a run: the delivery thread flushes the sink and counts down. */
    private static final class Marker {
        final CountDownLatch done = new CountDownLatch(1);
    }

    private final Sink sink;
    private final String name;
    private volatile Selection selection;
    /** The selection the event loop routes with during the current batch; event loop thread only. */
    private Selection batchSelection;
    /** Chunks and end-of-run markers; its bound is {@link #room}, in events. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final int capacity;
    /** Free places of the queue, in events. */
    private final Semaphore room;
    /** Events per chunk: {@link #CHUNK}, or the capacity when it is smaller. */
    private final int chunkSize;
    private final Thread thread;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Events handed over and not yet delivered, failed or dropped; 0 for good once closed. */
    private final AtomicLong queued = new AtomicLong();
    /** Orders hand-overs against {@link #close()}: no chunk enters the queue once it is closed. */
    private final Object gate = new Object();
    private volatile boolean closed;
    private volatile boolean stalled;
    private volatile long lastProgress = System.nanoTime();
    /** The channel this one replaces (the sink's former name or queue size): nothing is delivered before it is done. */
    private volatile SinkChannel predecessor;

    /** Whether a failed delivery was logged (further ones are only counted); delivery thread only. */
    private boolean warned;

    /** The chunk being filled; touched by the event loop thread only. */
    private KindlingEvent[] pending;
    private int pendingCount;

    SinkChannel(Sink sink, String name, Selection selection, int capacity) {
        this(sink, name, selection, capacity, null);
    }

    /**
     * {@code predecessor}: the sink's channel so far (null for none), which is handed its last events before
     * this one is handed its first: this one's delivery starts once that one's thread has ended.
     */
    SinkChannel(Sink sink, String name, Selection selection, int capacity, SinkChannel predecessor) {
        this.predecessor = predecessor;
        this.sink = sink;
        this.name = name;
        this.selection = selection;
        this.batchSelection = selection;
        this.capacity = Math.max(1, capacity);
        this.room = new Semaphore(this.capacity);
        this.chunkSize = Math.min(CHUNK, this.capacity);
        this.pending = new KindlingEvent[chunkSize];
        this.thread = new Thread(this::deliverLoop, "kindling-sink-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    String name() {
        return name;
    }

    Sink sink() {
        return sink;
    }

    Selection selection() {
        return selection;
    }

    void setSelection(Selection selection) {
        this.selection = selection;
    }

    /** Takes the latest selection for the batch that starts: a change applies at a batch boundary. Event loop thread only. */
    void beginBatch() {
        batchSelection = selection;
    }

    Selection batchSelection() {
        return batchSelection;
    }

    /** Adds an event to the chunk; a full chunk is handed over. Event loop thread only. */
    void offer(KindlingEvent event, long waitMillis) {
        pending[pendingCount++] = event;
        if (pendingCount == chunkSize) {
            handOver(waitMillis);
        }
    }

    /**
     * Hands the events gathered so far to the sink's thread, as many as the queue has room for; the
     * rest are dropped and counted. Never blocks longer than {@code waitMillis} without progress of
     * the sink. Event loop thread only.
     */
    void handOver(long waitMillis) {
        int n = pendingCount;
        if (n == 0) {
            return;
        }
        int taken = places(n, waitMillis);
        if (taken > 0) {
            KindlingEvent[] chunk = taken == chunkSize ? pending : Arrays.copyOf(pending, taken);
            synchronized (gate) {
                if (closed) {
                    taken = 0;
                } else {
                    queued.addAndGet(taken);
                    queue.add(chunk);
                }
            }
        }
        if (taken == chunkSize) {
            pending = new KindlingEvent[chunkSize];
        } else {
            Arrays.fill(pending, 0, n, null);
        }
        pendingCount = 0;
        dropped.addAndGet(n - taken);
    }

    /**
     * Takes up to {@code n} places of the queue: all of them, or those that are free once the wait is
     * over. Waits while the sink makes progress: a replay ({@code waitMillis > 0}) until it made none for
     * {@code waitMillis}, a live run ({@code waitMillis <= 0}) until it made none for
     * {@link #LIVE_STALL_MILLIS}, both counted from the later of its last delivery and the start of the wait
     * (a pause of the whole process is not the sink's).
     */
    private int places(int n, long waitMillis) {
        if (closed) {
            return 0;
        }
        if (room.tryAcquire(n)) {
            if (stalled && room.availablePermits() > capacity / 2) {
                stalled = false;
            }
            return n;
        }
        if (!stalled) {
            boolean live = waitMillis <= 0;
            long stallNanos = TimeUnit.MILLISECONDS.toNanos(live ? LIVE_STALL_MILLIS : waitMillis);
            long start = System.nanoTime();
            try {
                while (!closed) {
                    if (room.tryAcquire(n, POLL_NANOS, TimeUnit.NANOSECONDS)) {
                        n = -n; // taken
                        break;
                    }
                    long now = System.nanoTime();
                    long progress = lastProgress();
                    if (now - (progress - start > 0 ? progress : start) > stallNanos) {
                        stalled = true;
                        LOG.log(Level.WARNING, "sink " + name + " makes no progress; its events are dropped until it catches up");
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (n < 0) {
                return -n;
            }
        }
        int got = room.drainPermits(); // the sink's thread may give places back meanwhile: keep n at most
        if (got > n) {
            room.release(got - n);
            got = n;
        }
        return got;
    }

    private void flushQuietly() {
        try {
            sink.flush();
        } catch (Throwable e) { // an Error of the sink's own must not end the delivery thread
            LOG.log(Level.WARNING, "sink " + name + " failed to flush: " + e);
        }
    }

    /** The last progress of this sink's delivery: while this channel waits for its predecessor, that one's. */
    private long lastProgress() {
        SinkChannel p = predecessor;
        return p == null ? lastProgress : Math.max(lastProgress, p.lastProgress);
    }

    /** Waits until the predecessor's delivery thread has ended (it ends once that channel is closed). */
    private void awaitPredecessor() {
        SinkChannel p = predecessor;
        while (p != null && p.thread.isAlive() && !closed) {
            try {
                p.thread.join(100);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            }
        }
        lastProgress = System.nanoTime();
        predecessor = null;
    }

    private void deliverLoop() {
        awaitPredecessor();
        boolean unflushed = false;
        while (true) {
            Object item;
            try {
                item = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (item == null) {
                if (closed) {
                    return;
                }
                if (unflushed) {
                    unflushed = false;
                    flushQuietly(); // idle: what a live probe delivered shows up within a fraction of a second
                }
                continue;
            }
            lastProgress = System.nanoTime();
            if (item instanceof Marker marker) {
                unflushed = false;
                flushQuietly();
                marker.done.countDown();
                continue;
            }
            deliver((KindlingEvent[]) item);
            unflushed = true;
            lastProgress = System.nanoTime();
        }
    }

    /**
     * Delivers a chunk, each event giving its place in the queue back at once. Once the channel is
     * closed the rest of the chunk is not delivered (close counted it as dropped). Delivery thread only.
     */
    private void deliver(KindlingEvent[] chunk) {
        for (KindlingEvent event : chunk) {
            if (closed) {
                return;
            }
            boolean ok;
            try {
                sink.deliver(event);
                ok = true;
            } catch (Throwable t) {
                ok = false;
                if (!warned) {
                    warned = true;
                    LOG.log(Level.WARNING, "sink " + name + " failed to take an event (further failures are only counted): " + t);
                }
            }
            if (settle()) {
                (ok ? delivered : failed).incrementAndGet();
            }
            room.release();
            lastProgress = System.nanoTime();
        }
    }

    /**
     * Takes one event off the queued count; false when {@link #close()} has counted it as dropped
     * meanwhile (each event is counted once: delivered, failed or dropped).
     */
    private boolean settle() {
        long q;
        do {
            q = queued.get();
            if (q <= 0) {
                return false;
            }
        } while (!queued.compareAndSet(q, q - 1));
        return true;
    }

    /**
     * Hands over what is gathered, then waits until everything queued was delivered and the sink
     * flushed, or until the sink has made no progress for {@code stallMillis}. Returns whether it
     * drained. Event loop thread only.
     */
    boolean drain(long stallMillis) throws InterruptedException {
        handOver(stallMillis);
        Marker marker = new Marker();
        queue.add(marker);
        while (!marker.done.await(100, TimeUnit.MILLISECONDS)) {
            if (closed || System.nanoTime() - lastProgress() > TimeUnit.MILLISECONDS.toNanos(stallMillis)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops the delivery thread; what is still queued or gathered is counted as dropped, the event a
     * sink is stuck in included. Returns within about two seconds even when the sink never returns
     * (its thread is left to it).
     */
    void close() {
        synchronized (gate) {
            closed = true;
            for (Object o : queue) {
                if (o instanceof Marker m) {
                    m.done.countDown();
                }
            }
            queue.clear();
        }
        dropped.addAndGet(queued.getAndSet(0));
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A run starts: the sink's figures count from zero (the previous run drained the queue). */
    void resetCounts() {
        delivered.set(0);
        dropped.set(0);
        failed.set(0);
    }

    SinkStatistics statistics() {
        return new SinkStatistics(name, delivered.get(), dropped.get(), failed.get(), queued.get(), ownFigures());
    }

    /** The sink's own figures; none when it fails to tell them (a sink's error stays its own). */
    private Map<String, Long> ownFigures() {
        try {
            Map<String, Long> figures = sink.statistics();
            if (figures == null || figures.isEmpty()) {
                return Map.of();
            }
            Map<String, Long> known = new LinkedHashMap<>();
            figures.forEach((k, v) -> {
                if (k != null && v != null) {
                    known.put(k, v);
                }
            });
            return known;
        } catch (Throwable e) { // an Error of the sink's own must not reach whoever asks for figures
            LOG.log(Level.DEBUG, "sink " + name + " failed to tell its figures: " + e);
            return Map.of();
        }
    }
}
