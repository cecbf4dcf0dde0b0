package io.kindling.probe.itests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.rules.ExternalResource;
import org.junit.rules.TestRule;

/**
 * Held by a test while it runs containers whose presence another test would see: a live capture sees every
 * process of the machine, so the container lifecycle test, which checks that its probe's container table
 * empties once its containers are gone, must not share the machine with the node image test's long-running
 * probe container. The request tests take it too ({@link #eachTest()}): an image unpacked beside a request test once
 * filled the kernel's BPF ring (130,121 of 700,135 events lost in 7.8 s, a request among them) while the request
 * converter's 4096 bytes applied to every I/O call. They now apply to socket I/O only, but the image tests still move
 * their 400 MB image through the runtimes' unix sockets ({@code docker save}, {@code ctr images import}), each call
 * with up to 4096 bytes. The test classes run side by side in separate JVMs; a file lock in the tests' common work
 * folder makes them take turns.
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

    /** The lock as a JUnit rule ({@code @Rule}): taken before each test of the class, released after it. */
    public static TestRule eachTest() {
        return new ExternalResource() {
            private ContainerRunsLock turn;

            @Override
            protected void before() throws IOException {
                turn = take();
            }

            @Override
            protected void after() {
                try {
                    if (turn != null) {
                        turn.close();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
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
