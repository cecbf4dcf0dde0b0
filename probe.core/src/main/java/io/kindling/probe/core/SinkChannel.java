package io.kindling.probe.core;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sink's bounded queue and delivery thread. The event loop gathers the sink's events in a
 * chunk and hands over whole chunks (at the end of each batch, or when a chunk is full), so that
 * the two threads meet once per chunk rather than once per event; the sink's thread delivers.
 * <p>
 * When the queue is full the chunk is dropped and its events counted, except that a replay waits
 * up to {@code stallMillis} for room, so a sink that merely runs slower than the replay loses
 * nothing. A sink that makes no progress in that time is stalled: it loses events until its
 * queue has room again, and the other sinks do not wait for it any longer.
 */
final class SinkChannel {
    private static final System.Logger LOG = System.getLogger(SinkChannel.class.getName());
    /**
     * Events per chunk. A sink that keeps up waits for each chunk, and each hand-over then wakes
     * its thread: big enough chunks keep these wake-ups rare (a few per batch).
     */
    static final int CHUNK = 4096;

    /** Queued to mark the end of a run: the delivery thread flushes the sink and counts down. */
    private static final class Marker {
        final CountDownLatch done = new CountDownLatch(1);
    }

    private final Sink sink;
    private final String name;
    private volatile Selection selection;
    /** The selection the event loop routes with during the current batch; event loop thread only. */
    private Selection batchSelection;
    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean stalled;
    private volatile long lastProgress = System.nanoTime();

    /** The chunk being filled; touched by the event loop thread only. */
    private KindlingEvent[] pending = new KindlingEvent[CHUNK];
    private int pendingCount;

    SinkChannel(Sink sink, String name, Selection selection, int capacity) {
        this.sink = sink;
        this.name = name;
        this.selection = selection;
        this.batchSelection = selection;
        this.queue = new ArrayBlockingQueue<>(Math.max(2, (capacity + CHUNK - 1) / CHUNK));
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
        if (pendingCount == CHUNK) {
            handOver(waitMillis);
        }
    }

    /**
     * Hands the events gathered so far to the sink's thread; never blocks longer than
     * {@code waitMillis} without progress of the sink. Event loop thread only.
     */
    void handOver(long waitMillis) {
        if (pendingCount == 0) {
            return;
        }
        KindlingEvent[] chunk = pendingCount == CHUNK ? pending : Arrays.copyOf(pending, pendingCount);
        int n = pendingCount;
        if (chunk == pending) {
            pending = new KindlingEvent[CHUNK];
        } else {
            Arrays.fill(pending, 0, n, null);
        }
        pendingCount = 0;
        queued.addAndGet(n);
        if (put(chunk, waitMillis)) {
            return;
        }
        queued.addAndGet(-n);
        dropped.addAndGet(n);
    }

    private boolean put(Object item, long waitMillis) {
        if (closed) {
            return false;
        }
        if (queue.offer(item)) {
            if (stalled && queue.remainingCapacity() > queue.size()) {
                stalled = false;
            }
            return true;
        }
        if (waitMillis <= 0 || stalled) {
            return false;
        }
        try {
            while (!closed) {
                if (queue.offer(item, 50, TimeUnit.MILLISECONDS)) {
                    return true;
                }
                if (System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(waitMillis)) {
                    stalled = true;
                    LOG.log(Level.WARNING, "sink " + name + " makes no progress; its events are dropped until it catches up");
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void flushQuietly() {
        try {
            sink.flush();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "sink " + name + " failed to flush: " + e);
        }
    }

    private void deliverLoop() {
        boolean warned = false;
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
            KindlingEvent[] chunk = (KindlingEvent[]) item;
            long ok = 0;
            for (KindlingEvent event : chunk) {
                try {
                    sink.deliver(event);
                    ok++;
                } catch (Throwable t) {
                    failed.incrementAndGet();
                    if (!warned) {
                        warned = true;
                        LOG.log(Level.WARNING, "sink " + name + " failed to take an event (further failures are only counted): " + t);
                    }
                }
            }
            queued.addAndGet(-chunk.length);
            delivered.addAndGet(ok);
            unflushed = true;
            lastProgress = System.nanoTime();
        }
    }

    /**
     * Hands over what is gathered, then waits until everything queued was delivered and the sink
     * flushed, or until the sink has made no progress for {@code stallMillis}. Returns whether it
     * drained. Event loop thread only.
     */
    boolean drain(long stallMillis) throws InterruptedException {
        handOver(stallMillis);
        Marker marker = new Marker();
        while (!queue.offer(marker, 100, TimeUnit.MILLISECONDS)) {
            if (closed || System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(stallMillis)) {
                return false;
            }
        }
        while (!marker.done.await(100, TimeUnit.MILLISECONDS)) {
            if (closed || System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(stallMillis)) {
                return false;
            }
        }
        return true;
    }

    /** Stops the delivery thread; what is still queued or gathered is counted as dropped. */
    void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Object o : queue) {
            if (o instanceof Marker m) {
                m.done.countDown();
            }
        }
        queue.clear();
        dropped.addAndGet(queued.getAndSet(0));
    }

    /** A run starts: the sink's figures count from zero (the previous run drained the queue). */
    void resetCounts() {
        delivered.set(0);
        dropped.set(0);
        failed.set(0);
    }

    SinkStatistics statistics() {
        return new SinkStatistics(name, delivered.get(), dropped.get(), failed.get(), queued.get());
    }
}
