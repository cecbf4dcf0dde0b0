package io.kindling.probe.converter.cpu.spi;

import io.kindling.probe.api.spi.RawEvent;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Fills the {@code on_info}, {@code off_info} and {@code log} of the CPU converter's events. Register
 * one as a service and the CPU converter uses it, in service-ranking order; no change to the converter
 * is needed. All methods are called on the probe's event loop thread, while the converter is active.
 * <p>
 * A contributor keeps what it needs per thread, bounded per thread, and frees a thread's part when
 * {@link #threadEnded} is called for it.
 */
@ConsumerType
public interface CpuContributor {

    /** Service property: the contributor's name in the CPU converter's statistics. */
    String NAME = "kindling.cpu.contributor.name";

    /**
     * Sees every raw event the CPU converter reads (each system call's entry and exit, scheduler
     * switches, process exits); the view is valid during the call only.
     */
    void observe(RawEvent raw);

    /**
     * Describes what thread {@code tid} did in the intervals of one window, in time order, just before
     * its {@code cpu_event} is made.
     */
    void describe(long tid, List<CpuInterval> intervals, CpuDetails details);

    /** The thread exited, or the converter let it go: free what is kept for it. */
    void threadEnded(long tid);

    /** The capture ended or the converter stopped: free everything. */
    void clear();
}
