package io.kindling.probe.core;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import java.lang.System.Logger.Level;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sink's bounded queue and delivery thread. The event loop only offers; the sink's thread
 * delivers. When the queue is full the event is dropped and counted, except that a replay waits up
 * to {@code stallMillis} for room, so a sink that merely runs slower than the replay loses nothing.
 * A sink that makes no progress in that time is stalled: it loses events until its queue has room
 * again, and the other sinks do not wait for it any longer.
 */
final class SinkChannel {
    private static final System.Logger LOG = System.getLogger(SinkChannel.class.getName());

    /** Queued to mark the end of a run: the delivery thread flushes the sink and counts down. */
    private static final class Marker {
        final CountDownLatch done = new CountDownLatch(1);
    }

    private final Sink sink;
    private final String name;
    private volatile Selection selection;
    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean stalled;
    private volatile long lastProgress = System.nanoTime();

    SinkChannel(Sink sink, String name, Selection selection, int capacity) {
        this.sink = sink;
        this.name = name;
        this.selection = selection;
        this.queue = new ArrayBlockingQueue<>(Math.max(16, capacity));
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

    /** Hands an event to the sink's queue. Never blocks longer than {@code waitMillis}. */
    void offer(KindlingEvent event, long waitMillis) {
        if (queue.offer(event)) {
            if (stalled && queue.remainingCapacity() > queue.size()) {
                stalled = false;
            }
            return;
        }
        if (waitMillis > 0 && !stalled) {
            try {
                while (!closed) {
                    if (queue.offer(event, 50, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                    if (System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(waitMillis)) {
                        stalled = true;
                        LOG.log(Level.WARNING, "sink " + name + " makes no progress; its events are dropped until it catches up");
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropped.incrementAndGet();
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
            try {
                sink.deliver((KindlingEvent) item);
                delivered.incrementAndGet();
                unflushed = true;
            } catch (Throwable t) {
                failed.incrementAndGet();
                if (!warned) {
                    warned = true;
                    LOG.log(Level.WARNING, "sink " + name + " failed to take an event (further failures are only counted): " + t);
                }
            }
            lastProgress = System.nanoTime();
        }
    }

    /**
     * Waits until everything queued before this call was delivered and the sink flushed, or until
     * the sink has made no progress for {@code stallMillis}. Returns whether it drained.
     */
    boolean drain(long stallMillis) throws InterruptedException {
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

    /** Stops the delivery thread; what is still queued is counted as dropped. */
    void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = 0;
        for (Object o : queue) {
            if (o instanceof KindlingEvent) {
                left++;
            } else if (o instanceof Marker m) {
                m.done.countDown();
            }
        }
        queue.clear();
        dropped.addAndGet(left);
    }

    SinkStatistics statistics() {
        long queued = queue.stream().filter(KindlingEvent.class::isInstance).count();
        return new SinkStatistics(name, delivered.get(), dropped.get(), failed.get(), queued);
    }
}
