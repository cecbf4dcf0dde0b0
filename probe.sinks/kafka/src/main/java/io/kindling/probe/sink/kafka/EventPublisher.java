package io.kindling.probe.sink.kafka;

import io.kindling.probe.api.KindlingEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Hands events to a Kafka producer, one delivering thread at a time.
 * <p>
 * {@link #publish} returns once the producer has taken the record into its buffer. When it cannot
 * (the broker is unreachable, so the topic's metadata is unknown or the buffer is full), the
 * producer refuses after its short {@code max.block.ms}, and {@code publish} waits and tries again
 * with a doubling backoff up to {@code maxBackoffMillis}, keeping the event: meanwhile the sink's
 * queue in the core fills, and once it is full the core drops the sink's events and counts them
 * (the {@code dropped} figure of the sink's statistics). Records in the producer's buffer are retried
 * by the producer itself until the broker takes them, for as long as {@code delivery.timeout.ms}.
 * <p>
 * A record the producer refuses for good (too large, not authorised, ...) makes {@code publish} throw,
 * which the core counts as {@code failed}. A record that fails after it was taken (its delivery
 * timeout expired, or the sink stopped before the broker came back) is counted here and reported in
 * the log; {@link #counters()} tells all.
 * <p>
 * With more than one request in flight, the first record of each partition goes alone: the publisher
 * sends nothing more to that partition until the broker answered it (records of other partitions go
 * on meanwhile, so that the first records of all partitions usually share one round trip). A broker that is
 * still creating a partition (a new topic, or partitions added) answers the first request with a
 * retriable error and may take the next one meanwhile; an idempotent producer then retries the first
 * for ever, out of sequence (KAFKA-15591, in the brokers released so far).
 * <p>
 * The publisher follows the topic's partitions from the producer's metadata and names each record's
 * partition: the one the producer's default partitioner would compute (murmur2 of the key), computed
 * once per pid ({@link EventRecords}) instead of twice per record.
 */
final class EventPublisher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventPublisher.class.getName());
    private static final long FIRST_BACKOFF_MILLIS = 50;

    /** What a publisher has done so far. */
    record Counters(long accepted, long acknowledged, long failed, long refused, long retries) {
        long pending() {
            return accepted - acknowledged - failed;
        }

        Counters plus(Counters o) {
            return new Counters(accepted + o.accepted, acknowledged + o.acknowledged, failed + o.failed, refused + o.refused,
                    retries + o.retries);
        }
    }

    private final String label;
    private final Producer<byte[], byte[]> producer;
    private final EventRecords records;
    private final long maxBackoffMillis;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile boolean closed;
    private long unreachableSince;
    private volatile boolean failureReported;
    /** Whether a partition's first record is sent alone (more than one request in flight). */
    private final boolean firstAlone;
    private final String topic;
    /**
     * Per partition of the topic (as many as last seen): null before its first record, then that
     * record's outcome until the broker answered it, then {@link #ANSWERED}.
     */
    private Future<?>[] firsts = new Future<?>[0];
    private static final Future<?> ANSWERED = java.util.concurrent.CompletableFuture.completedFuture(null);
    private int untilPartitionCheck;
    /** The topic's partitions as last seen, 0 while not known. */
    private int known;
    private final Outcomes outcomes = new Outcomes();

    EventPublisher(String label, Map<String, Object> producerSettings, EventRecords records, long maxBackoffMillis) {
        this.label = label;
        this.records = records;
        this.topic = records.topic();
        Object inFlight = producerSettings.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        this.firstAlone = inFlight == null || Integer.parseInt(inFlight.toString()) > 1;
        this.maxBackoffMillis = Math.max(FIRST_BACKOFF_MILLIS, maxBackoffMillis);
        // kafka-clients loads classes named in its settings through the context class loader
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(EventPublisher.class.getClassLoader());
        try {
            this.producer = new KafkaProducer<>(producerSettings, new ByteArraySerializer(), new ByteArraySerializer());
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    /** Takes the event into the producer's buffer, waiting while the broker cannot be reached. */
    void publish(KindlingEvent event) throws Exception {
        ProducerRecord<byte[], byte[]> record = records.of(event, partitions());
        int partition = firstAlone ? firstToWaitFor(record.partition()) : -1;
        long backoff = FIRST_BACKOFF_MILLIS;
        while (true) {
            outcomes.refusal = null;
            outcomes.sending = Thread.currentThread();
            Future<?> outcome;
            try {
                outcome = producer.send(record, outcomes);
            } finally {
                outcomes.sending = null;
            }
            Exception refusal = outcomes.refusal;
            if (refusal == null) {
                accepted.incrementAndGet();
                if (partition == Integer.MAX_VALUE) {
                    producer.flush(); // the partitions are not known yet: one record at a time
                } else if (partition >= 0) {
                    firsts[partition] = outcome;
                }
                if (unreachableSince != 0) {
                    LOG.log(Level.INFO, label + ": the broker takes events again after "
                            + (System.nanoTime() - unreachableSince) / 1_000_000 + " ms");
                    unreachableSince = 0;
                }
                return;
            }
            if (!(refusal instanceof RetriableException) || closed) {
                refused.incrementAndGet();
                throw refusal;
            }
            if (unreachableSince == 0) {
                unreachableSince = System.nanoTime();
                LOG.log(Level.WARNING, label + ": the broker does not take events (" + refusal.getMessage()
                        + "); holding them and trying again every " + maxBackoffMillis + " ms at most");
            }
            retries.incrementAndGet();
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, maxBackoffMillis);
        }
    }

    /**
     * The topic's partitions as last seen (0 while they are not known), looked up again every few
     * thousand records (partitions may be added) and with every record while they are not known.
     */
    private int partitions() {
        if (--untilPartitionCheck <= 0) {
            untilPartitionCheck = 4096;
            int n;
            try {
                n = producer.partitionsFor(topic).size();
            } catch (RuntimeException unknownYet) {
                n = 0; // the broker is away: look again with the next record
            }
            if (n == 0) {
                untilPartitionCheck = 0;
            } else if (n != firsts.length) {
                firsts = Arrays.copyOf(firsts, n);
            }
            known = n;
        }
        return known;
    }

    /**
     * {@code partition} when the broker has not answered a first record there (the caller sends it as
     * the first when none went yet; it has waited for the answer otherwise), -1 once it has,
     * {@link Integer#MAX_VALUE} while the topic's partitions are not known ({@code partition} null).
     */
    private int firstToWaitFor(Integer partition) throws InterruptedException {
        if (partition == null) {
            return Integer.MAX_VALUE;
        }
        Future<?> first = firsts[partition];
        if (first == ANSWERED) {
            return -1;
        }
        if (first == null) {
            return partition;
        }
        try {
            first.get(); // a second record for the partition waits for the first one's answer
        } catch (ExecutionException answeredWithFailure) {
            // counted by its callback; the partition took a request all the same
        }
        firsts[partition] = ANSWERED;
        return -1;
    }

    /** Sends what the producer buffers and waits until the broker acknowledged or refused all of it. */
    void flush() {
        producer.flush();
    }

    /** A figure of the producer's own metrics (group {@code producer-metrics}), such as {@code outgoing-byte-total}; NaN when absent. */
    double producerMetric(String name) {
        for (var e : producer.metrics().entrySet()) {
            if (e.getKey().group().equals("producer-metrics") && e.getKey().name().equals(name)
                    && e.getValue().metricValue() instanceof Number value) {
                return value.doubleValue();
            }
        }
        return Double.NaN;
    }

    Counters counters() {
        return new Counters(accepted.get(), acknowledged.get(), failed.get(), refused.get(), retries.get());
    }

    /** Waits up to {@code timeout} for what is buffered to be sent; the rest fails and is counted. */
    void close(Duration timeout) {
        closed = true;
        producer.close(timeout);
        long lost = failed.get();
        if (lost > 0) {
            LOG.log(Level.WARNING, label + ": " + lost + " events taken by the producer never reached the broker");
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * The outcomes of the sends, one instance for all of them. When the producer refuses a record at
     * once, it calls back on the sending thread before {@code send} returns ({@link #sending} names that
     * thread meanwhile); later outcomes come on its network thread, or on the thread that closes it.
     */
    private final class Outcomes implements Callback {
        /**
         * The thread inside {@code send}, null outside. Not volatile: another thread may see a stale
         * value, but never itself in it.
         */
        Thread sending;
        Exception refusal;

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                acknowledged.incrementAndGet();
            } else if (Thread.currentThread() == sending) {
                refusal = exception;
            } else {
                failed.incrementAndGet();
                if (!failureReported) {
                    failureReported = true;
                    LOG.log(Level.WARNING, label + ": an event taken by the producer was lost (" + exception
                            + "); further losses are counted only");
                }
            }
        }
    }
}
