package io.kindling.probe.inspector;

/**
 * How a live capture reads: how many bytes of an I/O buffer it keeps (libsinsp's snaplen) and how big
 * the kernel's BPF ring buffer is.
 */
public record LiveSettings(int snaplen, int ringBytes) {
    public static final int DEFAULT_SNAPLEN = 80;
    public static final int DEFAULT_RING_BYTES = 8 << 20;
    public static final LiveSettings DEFAULTS = new LiveSettings(DEFAULT_SNAPLEN, DEFAULT_RING_BYTES);

    /** The BPF ring buffer's size must be a power of two: a size in between is rounded up. */
    public static LiveSettings of(int snaplen, int ringBytes) {
        int snap = Math.max(1, Math.min(65000, snaplen));
        int ring = Math.max(65536, Math.min(1 << 30, ringBytes));
        if (Integer.bitCount(ring) != 1) {
            ring = Integer.highestOneBit(ring) << 1;
        }
        return new LiveSettings(snap, ring);
    }
}
