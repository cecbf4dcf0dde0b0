package io.kindling.probe.converter.cpu.spi;

/** Where a contributor writes what it knows of a window's intervals. */
public interface CpuDetails {

    /**
     * Adds a detail to interval {@code index} of the window (an index into the list given to
     * {@link CpuContributor#describe}). {@code value} is a String, a Number, a Boolean, or a List or
     * Map of these; it is written as JSON under {@code key} in the interval's entry of {@code on_info}
     * or {@code off_info}.
     */
    void add(int index, String key, Object value);

    /** Appends to the window's {@code log}: what the thread wrote to its standard output or error. */
    void log(CharSequence text);
}
