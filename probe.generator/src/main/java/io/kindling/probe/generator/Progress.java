package io.kindling.probe.generator;

/**
 * Receives progress while a capture is written: about five times a second and once more at the end
 * (with {@code written == total}). Called on the generating thread; keep it cheap.
 */
@FunctionalInterface
public interface Progress {

    /** A callback that ignores all reports. */
    Progress NONE = (written, total, percent, eventsPerSecond) -> {
    };

    /**
     * @param written events written so far
     * @param total events requested
     * @param percent {@code 100 * written / total}
     * @param eventsPerSecond average generation rate since the start
     */
    void report(long written, long total, double percent, double eventsPerSecond);
}
