package io.kindling.probe.generator.internal;

/** Lowest-free fd number allocation, as the kernel does it, for one process. */
public final class FdAllocator {

    private final long[] used = new long[16]; // 1024 fds

    public void markUsed(int fd) {
        used[fd >>> 6] |= 1L << (fd & 63);
    }

    public int allocate() {
        for (int i = 0; i < used.length; i++) {
            long free = ~used[i];
            if (free != 0) {
                int fd = (i << 6) + Long.numberOfTrailingZeros(free);
                markUsed(fd);
                return fd;
            }
        }
        throw new IllegalStateException("fd table full");
    }

    public void release(int fd) {
        used[fd >>> 6] &= ~(1L << (fd & 63));
    }
}
