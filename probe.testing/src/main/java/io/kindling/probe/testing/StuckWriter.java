package io.kindling.probe.testing;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes into a pipe nobody reads until a write no longer returns: what a sink's delivery does when the
 * terminal or FIFO it writes to stops reading. The writing thread ends once a write throws (the pipe was
 * closed under it).
 */
public final class StuckWriter {
    /** One write, for example one event delivered to a sink. */
    @FunctionalInterface
    public interface Write {
        void write() throws IOException;
    }

    private StuckWriter() {}

    /**
     * Starts a thread that repeats {@code write} and returns it once its writes stopped coming back (no
     * write returned during 300 ms): the thread is then stuck inside a write.
     */
    public static Thread writeUntilStuck(Write write) throws InterruptedException {
        AtomicLong written = new AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    write.write();
                    written.incrementAndGet();
                }
            } catch (IOException e) {
                // the pipe was closed under the stuck write
            }
        }, "stuck-writer");
        writer.setDaemon(true);
        writer.start();
        long last = -1;
        while (written.get() != last) { // until the pipe is full and the write stuck in it
            last = written.get();
            Thread.sleep(300);
        }
        return writer;
    }
}
