package io.kindling.probe.api.control;

import java.nio.file.Path;

/** Starts and watches runs. One run at a time. */
public interface ProbeControl {

    EventCatalog catalog();

    /** Replays a capture file to the subscribed sinks. */
    Run open(Path capture) throws ProbeException;

    /**
     * Reads live events: from the probe's own eBPF programs where the kernel allows them (root or the
     * capabilities the README lists, BTF, Linux 5.8 or later), else from the falcosecurity kernel module
     * where it is loaded. One live run per machine at a time; the message of the exception says which
     * requirement is missing. Returns once the capture has begun (the programs attached and the
     * process table read): whatever happens from then on is seen. Taking a few seconds, the first time
     * above all (the kernel verifies the programs), it is best called off the caller's own event thread.
     */
    Run openLive() throws ProbeException;

    /**
     * Reads live events as {@link #openLive()} and also writes every event the probe reads to
     * {@code capture}, a capture file that {@code sysdig -r} and {@link #open(Path)} read.
     * @since 1.3
     */
    default Run openLive(Path capture) throws ProbeException {
        if (capture == null) {
            return openLive();
        }
        throw new ProbeException("this probe cannot write live captures");
    }

    /** The figures of the current run, or of the last one. */
    Statistics statistics();

    /**
     * The figures of every registered converter in the current or last run, in the order the
     * converters run.
     * @since 1.1
     */
    default java.util.List<ConverterStatistics> converterStatistics() {
        return java.util.List.of();
    }

    /**
     * Events without thread information that the inspector passed, in the current or last run, for
     * converters that need them (they are counted in {@link Statistics#converted()}, never delivered to a sink).
     * @since 1.1
     */
    default long copiedWithoutThread() {
        return 0;
    }

    /**
     * Events that did not fit an empty batch buffer in the current or last run and were handed on
     * with their longest parameters cut (the inspector's {@code batch.bytes} is too small for them).
     * @since 1.2
     */
    default long paramsCut() {
        return 0;
    }

    /**
     * Reads a capture in the inspector alone, applying the drop rules and the filter that these
     * subscriptions give, copying and converting nothing: the baseline that benchmarks compare the
     * whole probe with. In the result, {@code converted} counts the events that passed the filter.
     */
    Statistics baseline(Path capture, java.util.Collection<Subscription> subscriptions) throws ProbeException;
}
