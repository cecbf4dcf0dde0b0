package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sink's queue holds exactly the number of events it is configured with: a sink held up in its
 * first delivery keeps that many events and no more, whatever the chunking, and the rest are
 * dropped and counted; once the sink goes on, every kept event is delivered, in order.
 */
class SinkChannelTest {

    /** A sink that waits in its first delivery until released, and records what it receives. */
    private static final class HeldSink implements Sink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Long> received = new CopyOnWriteArrayList<>();

        @Override
        public void deliver(KindlingEvent event) throws InterruptedException {
            entered.countDown();
            release.await();
            received.add(event.timestamp());
        }
    }

    private static KindlingEvent event(long n) {
        return new KindlingEvent("syscall_exit-read", Category.NET, Source.SYSCALL_EXIT, n, 0, null);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 4095, 4096, 4097, 8192, 10_000})
    void holdsExactlyItsCapacity(int capacity) throws Exception {
        HeldSink sink = new HeldSink();
        SinkChannel channel = new SinkChannel(sink, "held", null, capacity);
        try {
            int extra = 3;
            long n = 0;
            for (; n < capacity + extra; n++) {
                channel.offer(event(n), 0); // 0: live events; a sink held up is waited for a second, then stalled
            }
            channel.handOver(0);
            assertTrue(sink.entered.await(10, TimeUnit.SECONDS), "the sink's thread took the first chunk");
            SinkStatistics held = channel.statistics();
            assertEquals(capacity, held.queued(), "events held while the sink is held up");
            assertEquals(extra, held.dropped(), "events beyond the capacity are dropped");

            channel.offer(event(n), 0); // still full
            channel.handOver(0);
            assertEquals(extra + 1, channel.statistics().dropped());

            sink.release.countDown();
            assertTrue(channel.drain(10_000), "the queue drains once the sink goes on");
            SinkStatistics after = channel.statistics();
            assertEquals(capacity, after.delivered());
            assertEquals(0, after.queued());
            for (int i = 0; i < capacity; i++) {
                assertEquals(i, sink.received.get(i), "the kept events arrive first to last");
            }

            channel.offer(event(n + 1), 0); // room again
            assertTrue(channel.drain(10_000));
            assertEquals(capacity + 1, channel.statistics().delivered());
        } finally {
            sink.release.countDown();
            channel.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 4097})
    void aReplayWaitsForRoomAndLosesNothing(int capacity) throws Exception {
        List<Long> received = new CopyOnWriteArrayList<>();
        Sink slow = event -> {
            if (event.timestamp() % 1000 == 0) {
                Thread.sleep(1); // slower than the loop, but making progress
            }
            received.add(event.timestamp());
        };
        SinkChannel channel = new SinkChannel(slow, "slow", null, capacity);
        try {
            int total = 20_000;
            for (long n = 0; n < total; n++) {
                channel.offer(event(n), 5_000);
            }
            assertTrue(channel.drain(10_000));
            SinkStatistics s = channel.statistics();
            assertEquals(total, s.delivered());
            assertEquals(0, s.dropped());
            assertEquals(total, received.size());
        } finally {
            channel.close();
        }
    }

    @Test
    void aSlowButMovingSinkLosesNothingDuringAReplay() throws Exception {
        Sink slow = event -> Thread.sleep(1); // about 1,000 events a second: far slower than the loop, never stalled
        SinkChannel channel = new SinkChannel(slow, "slow", null, 8192);
        try {
            int total = 20_000;
            for (long n = 0; n < total; n++) {
                channel.offer(event(n), 2_000);
            }
            assertTrue(channel.drain(10_000));
            SinkStatistics s = channel.statistics();
            assertEquals(0, s.dropped(), "events dropped by a sink that never stopped moving");
            assertEquals(total, s.delivered());
        } finally {
            channel.close();
        }
    }

    @Test
    void eachDeliveredEventGivesItsPlaceBackAtOnce() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong seen = new AtomicLong();
        Sink sink = event -> {
            if (seen.incrementAndGet() == 4096) { // 4,095 delivered, then held up within the chunk
                stuck.countDown();
                release.await();
            }
        };
        SinkChannel channel = new SinkChannel(sink, "held", null, 8192);
        try {
            for (long n = 0; n < 8192; n++) {
                channel.offer(event(n), 0);
            }
            channel.handOver(0);
            assertTrue(stuck.await(10, TimeUnit.SECONDS));
            channel.offer(event(8192), 0);
            channel.handOver(0);
            assertEquals(0, channel.statistics().dropped(), "a place freed by each of the 4,095 delivered events");
        } finally {
            release.countDown();
            channel.close();
        }
    }

    @Test
    void closeReturnsWhileTheSinkIsStuckAndEveryEventIsCountedOnce() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong seen = new AtomicLong();
        Sink sink = event -> {
            if (seen.incrementAndGet() == 10) {
                stuck.countDown();
                while (true) { // like a write into a pipe nobody reads: an interrupt does not end it
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException ignored) {
                        // stays stuck
                    }
                }
            }
        };
        SinkChannel channel = new SinkChannel(sink, "stuck", null, 1000);
        int total = 100;
        for (long n = 0; n < total; n++) {
            channel.offer(event(n), 0);
        }
        channel.handOver(0);
        assertTrue(stuck.await(10, TimeUnit.SECONDS));
        channel.close();
        SinkStatistics closed = channel.statistics();
        assertEquals(0, closed.queued());
        assertEquals(9, closed.delivered());
        assertEquals(total, closed.delivered() + closed.failed() + closed.dropped(), "every event counted once");
        channel.offer(event(total), 0);
        channel.handOver(0);
        release.countDown();
        Thread.sleep(200); // the sink's thread returns from the stuck event and ends
        SinkStatistics later = channel.statistics();
        assertEquals(0, later.queued(), "never negative");
        assertEquals(total + 1, later.delivered() + later.failed() + later.dropped(), "every event counted once");
    }

    @Test
    void liveABurstAfterAPauseOfTheSinkWaitsInsteadOfBeingDropped() throws Exception {
        AtomicLong seen = new AtomicLong();
        Sink paused = event -> {
            if (seen.incrementAndGet() == 1) {
                Thread.sleep(100); // descheduled on a busy machine, a collection pause of the sink's thread
            }
        };
        SinkChannel channel = new SinkChannel(paused, "paused", null, 8192);
        try {
            int total = 20_000; // more than the queue while the sink is paused: the events a live run reads at once
            for (long n = 0; n < total; n++) {
                channel.offer(event(n), 0);
            }
            channel.handOver(0);
            assertTrue(channel.drain(10_000));
            assertEquals(0, channel.statistics().dropped(), "events dropped in a burst the sink took up after its pause");
            assertEquals(total, channel.statistics().delivered());
        } finally {
            channel.close();
        }
    }

    @Test
    void liveASinkSlowerThanTheEventsButMovingLosesNothingTheLoopWaitsForIt() throws Exception {
        Sink slow = event -> Thread.sleep(1); // about 1,000 events a second, a sixteen-event queue
        SinkChannel channel = new SinkChannel(slow, "slow", null, 16);
        try {
            int total = 1_500; // well over a second of the sink's work
            for (long n = 0; n < total; n++) {
                channel.offer(event(n), 0);
            }
            channel.handOver(0);
            assertTrue(channel.drain(10_000));
            SinkStatistics s = channel.statistics();
            assertEquals(0, s.dropped(), "a live run waits for a sink that makes progress: the kernel's rings hold the rest");
            assertEquals(total, s.delivered());
        } finally {
            channel.close();
        }
    }
}
