package io.kindling.probe.api.spi;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;

/**
 * An event as the inspector delivers it, before conversion. Instances handed to converters are
 * views over reused memory: valid only during the call, never to be kept.
 */
public interface RawEvent {

    /** libsinsp's event type number; -1 for events that do not come from libsinsp's table. */
    int type();

    /** The subscription name, for example {@code syscall_exit-read}. */
    String name();

    /** For a generic syscall event, the syscall's code (libsinsp's ID parameter); -1 otherwise. */
    default int genericSyscall() {
        return -1;
    }

    Category category();

    Source source();

    long timestamp();

    long latency();

    /**
     * The CPU the event happened on, or -1 where the source does not tell (an event libsinsp made
     * itself during a live capture; live events cross libsinsp's udig ring, which gives every event
     * CPU 0, so the probe's eBPF source keeps each one's CPU beside it).
     */
    int cpu();

    /**
     * Whether the event carries thread information (the idle task's switch events do not). Events
     * without it reach only converters that asked for them ({@link Converter#NEEDS_THREADLESS}); then
     * {@link #pid()} and {@link #tid()} are the event's own thread id, and comm, container, uid and
     * gid are empty or 0.
     */
    boolean hasThread();

    /**
     * Whether this event without thread information is one of Kindling's kernel TCP events that ran in
     * a kernel context that is no task of a traced process (a softirq handling the connection's
     * segments, or a task libsinsp does not know): unlike other events without thread information it
     * reaches the sinks that subscribed to it, with no thread context, and the converters that need it.
     * {@link #pid()} and {@link #tid()} are then what the kernel saw (0 in softirq).
     * @since 1.3
     */
    default boolean kernelContext() {
        return false;
    }

    long pid();

    long tid();

    long uid();

    long gid();

    String comm();

    /** libsinsp's short (12-character) container id of the thread, or the probe's own from its cgroups; empty for a host process. */
    String containerId();

    /**
     * The process id inside the thread's pid namespace (a container's), equal to {@link #pid()} for a
     * process of the host's namespace.
     * @since 1.4
     */
    default long vpid() {
        return pid();
    }

    /**
     * The thread id inside the thread's pid namespace, equal to {@link #tid()} for a thread of the host's namespace.
     * @since 1.4
     */
    default long vtid() {
        return tid();
    }

    /** The event's fd number as libsinsp reports it (-1 or another negative value when none). */
    long fdNum();

    /** Whether libsinsp knows the fd the event works on. */
    boolean hasFd();

    FdType fdType();

    /** libsinsp's name of the fd: a path, or a socket's tuple as text. */
    String fdName();

    L4Protocol l4Protocol();

    boolean serverRole();

    /** Source address: 4 bytes for IPv4, 16 for IPv6, an empty array when none. */
    byte[] sourceAddress();

    byte[] destinationAddress();

    /**
     * Copies the source address into {@code into} (16 bytes are enough) and returns its length,
     * without allocating: for converters that read it for every event. Only a 4- or 16-byte
     * address is copied; another length (0 when there is none) is returned with nothing copied.
     */
    default int sourceAddress(byte[] into) {
        return copyAddress(sourceAddress(), into);
    }

    /** As {@link #sourceAddress(byte[])}, for the destination address. */
    default int destinationAddress(byte[] into) {
        return copyAddress(destinationAddress(), into);
    }

    private static int copyAddress(byte[] address, byte[] into) {
        int n = address == null ? 0 : address.length;
        if (n == 4 || n == 16) {
            System.arraycopy(address, 0, into, 0, n);
        }
        return n;
    }

    int sourcePort();

    int destinationPort();

    long unixSource();

    long unixDestination();

    int paramCount();

    String paramName(int index);

    /** libsinsp's parameter type code ({@code ppm_param_type}). */
    int paramNativeType(int index);

    /** The Kindling value type of the parameter, as the Kindling probe's {@code get_type} maps it. */
    ValueType paramValueType(int index);

    int paramLength(int index);

    /** The parameter's raw bytes (a copy). */
    byte[] paramBytes(int index);

    /**
     * The first {@code count} parameters in one array: their lengths first (4 bytes each,
     * little-endian), then their bytes one after the other.
     */
    default byte[] packedParams(int count) {
        int size = 4 * count;
        for (int i = 0; i < count; i++) {
            size += paramLength(i);
        }
        byte[] out = new byte[size];
        int at = 4 * count;
        for (int i = 0; i < count; i++) {
            byte[] b = paramBytes(i);
            out[4 * i] = (byte) b.length;
            out[4 * i + 1] = (byte) (b.length >>> 8);
            out[4 * i + 2] = (byte) (b.length >>> 16);
            out[4 * i + 3] = (byte) (b.length >>> 24);
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    /** The parameter read as a little-endian signed integer of its length (1, 2, 4 or 8 bytes). */
    long paramAsLong(int index);

    /** Index of the parameter with this name, or -1. */
    int paramIndex(String name);

    /**
     * Whether some parameter was cut short because the whole event did not fit an empty batch
     * buffer (see the inspector's batch size): its bytes are then the first bytes of the value.
     */
    default boolean paramsTruncated() {
        return false;
    }
}
