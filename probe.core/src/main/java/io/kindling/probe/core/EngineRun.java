package io.kindling.probe.core;

import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.Statistics;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A run as the engine reports it to its caller. */
final class EngineRun implements Run {
    private final CountDownLatch done = new CountDownLatch(1);
    private final Supplier<Statistics> statistics;
    private volatile boolean stopRequested;
    private volatile String failure;

    EngineRun(Supplier<Statistics> statistics) {
        this.statistics = statistics;
    }

    @Override
    public void await() throws InterruptedException {
        done.await();
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    @Override
    public boolean isDone() {
        return done.getCount() == 0;
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    @Override
    public String failure() {
        return failure;
    }

    void fail(String message) {
        this.failure = message;
    }

    void finish() {
        done.countDown();
    }

    @Override
    public Statistics statistics() {
        return statistics.get();
    }
}
