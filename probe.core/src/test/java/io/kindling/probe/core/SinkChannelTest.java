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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sink's queue holds exactly the number of events it is configured with: a sink held up in its
 * first delivery keeps that many events and no more, whatever the chunking, and the rest are
 * dropped and counted; once the sink goes on, every kept event is delivered, in order.
 */
class SinkChannelTest {

    /**
     * A sink that records what it receives and is held up in its {@code at}-th delivery until released;
     * {@code stubborn}: an interrupt does not end the hold (like a write into a pipe nobody reads).
     */
    private static final class HeldSink implements Sink {
        final int at;
        final boolean stubborn;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Long> received = new CopyOnWriteArrayList<>();
        private final AtomicLong seen = new AtomicLong();

        HeldSink(int at, boolean stubborn) {
            this.at = at;
            this.stubborn = stubborn;
        }

        @Override
        public void deliver(KindlingEvent event) throws InterruptedException {
            if (seen.incrementAndGet() == at) {
                entered.countDown();
                while (true) {
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        if (!stubborn) {
                            throw e;
                        }
                    }
                }
            }
            received.add(event.timestamp());
        }
    }

    /** The channel under test and the held sink, if any: released and closed after each test. */
    private SinkChannel channel;
    private HeldSink held;

    private SinkChannel open(Sink sink, String name, int capacity) {
        if (sink instanceof HeldSink h) {
            held = h;
        }
        channel = new SinkChannel(sink, name, null, capacity);
        return channel;
    }

    @AfterEach
    void releaseAndClose() {
        if (held != null) {
            held.release.countDown();
        }
        if (channel != null) {
            channel.close();
        }
    }

    /** Offers the events numbered {@code from} (inclusive) to {@code to} (exclusive), then hands them over. */
    private void offer(long from, long to, long waitMillis) {
        for (long n = from; n < to; n++) {
            channel.offer(event(n), waitMillis);
        }
        channel.handOver(waitMillis);
    }

    private static KindlingEvent event(long n) {
        return new KindlingEvent("syscall_exit-read", Category.NET, Source.SYSCALL_EXIT, n, 0, null);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 4095, 4096, 4097, 8192, 10_000})
    void holdsExactlyItsCapacity(int capacity) throws Exception {
        HeldSink sink = new HeldSink(1, false);
        open(sink, "held", capacity);
        int extra = 3;
        long n = capacity + extra;
        offer(0, n, 0); // 0: live events; a sink held up is waited for a second, then stalled
        assertTrue(sink.entered.await(10, TimeUnit.SECONDS), "the sink's thread took the first chunk");
        SinkStatistics kept = channel.statistics();
        assertEquals(capacity, kept.queued(), "events held while the sink is held up");
        assertEquals(extra, kept.dropped(), "events beyond the capacity are dropped");

        offer(n, n + 1, 0); // still full
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
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 4097})
    void aReplayWaitsForRoomAndLosesNothing(int capacity) throws Exception {
        List<Long> received = new CopyOnWriteArrayList<>();
        open(event -> {
            if (event.timestamp() % 1000 == 0) {
                Thread.sleep(1); // slower than the loop, but making progress
            }
            received.add(event.timestamp());
        }, "slow", capacity);
        int total = 20_000;
        offer(0, total, 5_000);
        assertTrue(channel.drain(10_000));
        SinkStatistics s = channel.statistics();
        assertEquals(total, s.delivered());
        assertEquals(0, s.dropped());
        assertEquals(total, received.size());
    }

    @Test
    void aSlowButMovingSinkLosesNothingDuringAReplay() throws Exception {
        open(event -> Thread.sleep(1), "slow", 8192); // about 1,000 events a second: far slower than the loop, never stalled
        int total = 20_000;
        offer(0, total, 2_000);
        assertTrue(channel.drain(10_000));
        SinkStatistics s = channel.statistics();
        assertEquals(0, s.dropped(), "events dropped by a sink that never stopped moving");
        assertEquals(total, s.delivered());
    }

    @Test
    void eachDeliveredEventGivesItsPlaceBackAtOnce() throws Exception {
        HeldSink sink = new HeldSink(4096, false); // 4,095 delivered, then held up within the chunk
        open(sink, "held", 8192);
        offer(0, 8192, 0);
        assertTrue(sink.entered.await(10, TimeUnit.SECONDS));
        offer(8192, 8193, 0);
        assertEquals(0, channel.statistics().dropped(), "a place freed by each of the 4,095 delivered events");
    }

    @Test
    void closeReturnsWhileTheSinkIsStuckAndEveryEventIsCountedOnce() throws Exception {
        HeldSink sink = new HeldSink(10, true);
        open(sink, "stuck", 1000);
        int total = 100;
        offer(0, total, 0);
        assertTrue(sink.entered.await(10, TimeUnit.SECONDS));
        channel.close();
        SinkStatistics closed = channel.statistics();
        assertEquals(0, closed.queued());
        assertEquals(9, closed.delivered());
        assertEquals(total, closed.delivered() + closed.failed() + closed.dropped(), "every event counted once");
        offer(total, total + 1, 0);
        sink.release.countDown();
        Thread.sleep(200); // the sink's thread returns from the stuck event and ends
        SinkStatistics later = channel.statistics();
        assertEquals(0, later.queued(), "never negative");
        assertEquals(total + 1, later.delivered() + later.failed() + later.dropped(), "every event counted once");
    }

    @Test
    void liveABurstAfterAPauseOfTheSinkWaitsInsteadOfBeingDropped() throws Exception {
        AtomicLong seen = new AtomicLong();
        open(event -> {
            if (seen.incrementAndGet() == 1) {
                Thread.sleep(100); // descheduled on a busy machine, a collection pause of the sink's thread
            }
        }, "paused", 8192);
        int total = 20_000; // more than the queue while the sink is paused: the events a live run reads at once
        offer(0, total, 0);
        assertTrue(channel.drain(10_000));
        assertEquals(0, channel.statistics().dropped(), "events dropped in a burst the sink took up after its pause");
        assertEquals(total, channel.statistics().delivered());
    }

    @Test
    void liveASinkSlowerThanTheEventsButMovingLosesNothingTheLoopWaitsForIt() throws Exception {
        open(event -> Thread.sleep(1), "slow", 16); // about 1,000 events a second, a sixteen-event queue
        int total = 1_500; // well over a second of the sink's work
        offer(0, total, 0);
        assertTrue(channel.drain(10_000));
        SinkStatistics s = channel.statistics();
        assertEquals(0, s.dropped(), "a live run waits for a sink that makes progress: the kernel's rings hold the rest");
        assertEquals(total, s.delivered());
    }
}
