package io.kindling.probe.sink.otlp;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Spans on their way to the exporter: a bounded queue that the sink's thread offers to and never waits on, and
 * a thread of its own that sends batches of up to {@code batchSize} spans every {@code delayMillis} (sooner when
 * a batch is full). A span that finds the queue full is dropped and counted; a batch whose export fails (after
 * the exporter's own retries) or takes longer than {@code timeoutMillis} is dropped and counted, and the next
 * batch waits a backoff, doubling from one second up to {@value #MAX_BACKOFF_MILLIS} ms while exports keep
 * failing, during which the queue fills and drops. {@link #shutdown} sends what is queued within a bound.
 */
final class SpanExportQueue {

    static final long MAX_BACKOFF_MILLIS = 8_000;
    /** How often the thread looks at the flush and stop requests while it waits. */
    private static final long SLICE_MILLIS = 50;
    private static final Logger LOG = Logger.getLogger(SpanExportQueue.class.getName());

    private final SpanExporter exporter;
    private final BlockingQueue<SpanData> queue;
    private final int batchSize;
    private final long delayMillis;
    private final long timeoutMillis;
    private final Thread thread;
    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong droppedQueueFull = new AtomicLong();
    private final AtomicLong droppedExportFailed = new AtomicLong();
    private final AtomicLong failedExports = new AtomicLong();
    private volatile boolean stopping;
    private volatile long flushRequested;
    private long flushDone;

    SpanExportQueue(SpanExporter exporter, int capacity, int batchSize, long delayMillis, long timeoutMillis, String name) {
        this.exporter = exporter;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
        this.batchSize = Math.max(1, batchSize);
        this.delayMillis = Math.max(1, delayMillis);
        this.timeoutMillis = Math.max(1, timeoutMillis);
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a span, or drops and counts it when the queue is full. Never waits. */
    void offer(SpanData span) {
        if (!queue.offer(span)) {
            droppedQueueFull.incrementAndGet();
        }
    }

    /** Asks the thread to send what is queued now rather than at the next delay; does not wait. */
    void requestFlush() {
        flushRequested++;
    }

    long exported() {
        return exported.get();
    }

    long droppedQueueFull() {
        return droppedQueueFull.get();
    }

    long droppedExportFailed() {
        return droppedExportFailed.get();
    }

    long failedExports() {
        return failedExports.get();
    }

    int queued() {
        return queue.size();
    }

    private void run() {
        long backoff = 0;
        List<SpanData> batch = new ArrayList<>(batchSize);
        while (!stopping) {
            try {
                for (long slept = 0; slept < backoff && !stopping; slept += SLICE_MILLIS) {
                    Thread.sleep(SLICE_MILLIS);
                }
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
                while (batch.size() < batchSize && !stopping) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || flushRequested != flushDone) {
                        break;
                    }
                    SpanData span = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(SLICE_MILLIS)), TimeUnit.NANOSECONDS);
                    if (span == null) {
                        continue;
                    }
                    batch.add(span);
                    queue.drainTo(batch, batchSize - batch.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            flushDone = flushRequested;
            queue.drainTo(batch, batchSize - batch.size());
            if (!batch.isEmpty()) {
                backoff = send(batch, timeoutMillis) ? 0 : Math.min(MAX_BACKOFF_MILLIS, Math.max(1_000, backoff * 2));
                batch.clear();
            }
        }
    }

    private boolean send(List<SpanData> batch, long timeout) {
        CompletableResultCode result;
        try {
            result = exporter.export(List.copyOf(batch)).join(timeout, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "span export threw", e);
            result = CompletableResultCode.ofFailure();
        }
        if (result.isSuccess()) {
            exported.addAndGet(batch.size());
            return true;
        }
        droppedExportFailed.addAndGet(batch.size());
        if (failedExports.incrementAndGet() == 1 || failedExports.get() % 100 == 0) {
            LOG.warning("OTLP span export failed (" + failedExports.get() + " batches so far); " + batch.size()
                    + " spans dropped");
        }
        return false;
    }

    /**
     * Stops the thread and sends what is still queued, within {@code boundMillis} in all; what is left then is
     * dropped and counted.
     */
    void shutdown(long boundMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
        stopping = true;
        try {
            thread.join(Math.max(1, boundMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<SpanData> batch = new ArrayList<>(batchSize);
        while (!queue.isEmpty()) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            queue.drainTo(batch, batchSize);
            if (left <= 0 || !send(batch, left)) {
                droppedExportFailed.addAndGet(queue.size());
                queue.clear();
            }
            batch.clear();
        }
    }
}
