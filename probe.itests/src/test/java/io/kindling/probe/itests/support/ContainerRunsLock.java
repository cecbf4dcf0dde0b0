package io.kindling.probe.itests.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Held by a test while it runs containers whose presence another test would see: a live capture sees every
 * process of the machine, so the container lifecycle test, which checks that its probe's container table
 * empties once its containers are gone, must not share the machine with the node image test's long-running
 * probe container. The request tests take it too: with the request converter's snaplen every I/O call of the
 * machine carries up to 4096 bytes, and the image tests' unpacking of a 400 MB image meanwhile fills the kernel's
 * BPF ring (lost events, counted). The test classes run side by side in separate JVMs; a file lock in the tests'
 * common work folder makes them take turns.
 */
public final class ContainerRunsLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private ContainerRunsLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits until no other test runs such containers, then holds the lock until {@link #close()}. */
    public static ContainerRunsLock take() throws IOException {
        Path base = Path.of(System.getProperty(TestEnvironment.WORK, "target/itests")).toAbsolutePath().normalize();
        Files.createDirectories(base);
        FileChannel channel = FileChannel.open(base.resolve("container-runs.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return new ContainerRunsLock(channel, channel.lock());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
