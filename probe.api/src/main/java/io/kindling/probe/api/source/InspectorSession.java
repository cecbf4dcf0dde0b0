package io.kindling.probe.api.source;

/** One open capture, read batch after batch by a single thread. */
public interface InspectorSession extends AutoCloseable {

    /** Replaces the filter table; it takes effect at the next batch boundary. */
    void setFilter(FilterTable filter);

    /**
     * Replaces the table of events that pass although they carry no thread information (which the
     * drop rules otherwise remove): only cells {@link FilterTable#typeCells()} count. Such events are
     * flagged ({@link io.kindling.probe.api.spi.RawEvent#hasThread()} false) and meant for converters
     * only. Takes effect at the next batch boundary; empty until set.
     * @since 1.1
     */
    default void setThreadlessFilter(FilterTable filter) {}

    /**
     * How many events without thread information passed through {@link #setThreadlessFilter} so far.
     * They are included in {@link InspectorCounters#copied()}, not in {@link InspectorCounters#noThread()}.
     * @since 1.1
     */
    default long copiedWithoutThread() {
        return 0;
    }

    /**
     * How many events so far did not fit an empty batch and were handed out with their longest
     * parameters cut ({@code RawEvent.paramsTruncated()}); they are included in
     * {@link InspectorCounters#copied()}.
     * @since 1.3
     */
    default long paramsCut() {
        return 0;
    }

    /**
     * From now on, events of every thread whose command ({@code comm}) is this name are not delivered:
     * the process running the program, its threads and its children that have not executed a program of
     * another name; never a program such a child executes (the Kindling probe's {@code suppress_events_comm}
     * also covered those, so that a container runtime's daemon hid every container it started). Returns
     * false when this inspector cannot suppress processes.
     * @throws InspectorException when the name is refused (libsinsp takes at most 32)
     * @since 1.2
     */
    default boolean suppressComm(String comm) throws InspectorException {
        return false;
    }

    /**
     * Asks a live capture to keep at least {@code bytes} of the data of each I/O call from now on (0: only what it
     * was opened with), because a converter that needs them became active or inactive. A capture file keeps
     * what it was recorded with; returns the bytes the capture now keeps, or 0 when it cannot change.
     * @since 1.5
     */
    default int requireSnaplen(int bytes) {
        return 0;
    }

    /**
     * Asks a live capture to keep at least {@code bytes} of the data of each socket I/O call from now on, where that
     * is more than every I/O call keeps ({@link #requireSnaplen}; 0: sockets keep that too), because a converter
     * that reads payloads became active or inactive; files, pipes and other fds keep what every call keeps. Returns
     * the bytes the capture keeps from now on of each socket I/O call where that is more than every call keeps
     * ({@code bytes}, at most the capture's limit), or -1 when it cannot keep more of sockets than of the rest (a
     * capture file, or a live source that does not tell sockets apart): then only {@link #requireSnaplen} can give
     * sockets more.
     * @since 1.6
     */
    default int requireSocketSnaplen(int bytes) {
        return -1;
    }

    /** Events of this process are dropped (the probe's own process by default). */
    void setOwnPid(long pid);

    /**
     * Returns the next batch of events that passed the drop rules and the filter, or {@code null}
     * when the capture has ended. A live session may return an empty batch when nothing happened.
     * The previous batch must have been released.
     */
    RawBatch nextBatch() throws InspectorException;

    /**
     * Reads the rest of the capture inside the inspector, applying the drop rules and the filter
     * but copying nothing and handing nothing to Java: the baseline that benchmarks compare the
     * whole probe with. Returns the number of events that passed. Only on a session from which no
     * batch was taken.
     */
    default long countRest() throws InspectorException {
        throw new UnsupportedOperationException("this inspector has no counting mode");
    }

    /**
     * What the capture source counted so far (libsinsp's capture statistics, and the eBPF source's
     * drops per reason); {@link io.kindling.probe.api.control.CaptureStatistics#NONE} for a capture file.
     * @since 1.4
     */
    default io.kindling.probe.api.control.CaptureStatistics captureStatistics() {
        return io.kindling.probe.api.control.CaptureStatistics.NONE;
    }

    /** What the inspector read and dropped so far. */
    InspectorCounters counters();

    @Override
    void close();
}
