package io.kindling.probe.api.source;

import java.nio.file.Path;

/** Reads system events, from a capture file or live, and hands them to the core in batches. */
public interface Inspector {

    /** The event types and syscalls that this inspector knows. */
    EventTable eventTable();

    /** Opens a capture file; the message of the exception says what is wrong with it. */
    InspectorSession openFile(Path capture) throws InspectorException;

    /** Opens a live capture (the probe's eBPF source, or the kernel module where only that can run). */
    InspectorSession openLive() throws InspectorException;

    /**
     * Opens a live capture that also writes every event read to {@code capture} (a scap file).
     * @since 1.4
     */
    default InspectorSession openLive(Path capture) throws InspectorException {
        if (capture == null) {
            return openLive();
        }
        throw new InspectorException("this inspector cannot write live captures");
    }
}
