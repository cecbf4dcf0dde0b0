package io.kindling.probe.api.source;

import java.nio.file.Path;

/** Reads system events, from a capture file or live, and hands them to the core in batches. */
public interface Inspector {

    /** The event types and syscalls that this inspector knows. */
    EventTable eventTable();

    /** Opens a capture file; the message of the exception says what is wrong with it. */
    InspectorSession openFile(Path capture) throws InspectorException;

    /** Opens live capture through the kernel driver. */
    InspectorSession openLive() throws InspectorException;
}
