package io.kindling.probe.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The one way to wait until routing includes a change: whoever changes routing, or finishes a batch
 * with it, signals; whoever waits checks its condition at once and after each signal. The condition
 * is evaluated outside this object's lock, so that it may take other locks. A signal with nobody
 * waiting costs one volatile read.
 */
final class Changes {
    private final Object lock = new Object();
    private final AtomicInteger waiting = new AtomicInteger();
    private long count;

    /** Something that conditions may depend on has changed. */
    void signal() {
        if (waiting.get() == 0) {
            return;
        }
        synchronized (lock) {
            count++;
            lock.notifyAll();
        }
    }

    /** Waits until {@code done} holds; returns whether it did within the time given. */
    boolean await(BooleanSupplier done, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiting.incrementAndGet();
        try {
            while (true) {
                long seen;
                synchronized (lock) {
                    seen = count;
                }
                if (done.getAsBoolean()) {
                    return true;
                }
                synchronized (lock) {
                    while (count == seen) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return done.getAsBoolean();
                        }
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    }
                }
            }
        } finally {
            waiting.decrementAndGet();
        }
    }
}
