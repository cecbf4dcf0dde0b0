package io.kindling.probe.inspector;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Direct mapping of the native shim ({@code libkindlingprobe.so}, carried by the platform fragment).
 * Every function catches its C++ exceptions and reports them through its return value.
 */
final class Shim {
    static final String LIBRARY = "kindlingprobe";

    private static final Throwable LOAD_FAILURE;

    static {
        Throwable failure = null;
        try {
            Native.register(Shim.class, LIBRARY);
        } catch (Throwable t) {
            failure = t;
        }
        LOAD_FAILURE = failure;
    }

    private Shim() {}

    /** Throws a clear error when the shim or libsinsp could not be loaded. */
    static void ensureLoaded() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException("cannot load the native inspector (lib" + LIBRARY + ".so, which needs Debian's "
                    + "libfalcosecurity0; run bin/setup): " + LOAD_FAILURE.getMessage(), LOAD_FAILURE);
        }
    }

    static native long kp_open_file(String path, byte[] err, int errcap);

    /** Why kp_open_live refused (its refusal cell). */
    static final int LIVE_OK = 0;
    static final int LIVE_FAILED = 1;
    static final int LIVE_REQUIREMENT = 2;
    static final int LIVE_BUSY = 3;

    static native long kp_open_live(String writePath, int snaplen, int bpfRingBytes, int[] refusal, byte[] err,
            int errcap);

    /** Slots of kp_capture_stats. */
    static final int STAT_SOURCE = 0;
    static final int STAT_COUNT = 19;
    static final int SOURCE_EBPF = 1;
    static final int SOURCE_KERNEL_MODULE = 2;

    static native int kp_capture_stats(long handle, long[] out, int n);

    static native int kp_set_filter(long handle, byte[] types, int ntypes, byte[] generic, int nsc);

    static native int kp_set_own_pid(long handle, long pid);

    static native int kp_set_threadless_filter(long handle, byte[] types, int ntypes);

    static native int kp_next_batch(long handle, Pointer buffer, int capacity, int maxEvents);

    static native int kp_last_error(long handle, byte[] out, int capacity);

    /** Cells of kp_counters (KP_CNT_COUNT). */
    static final int CNT_COUNT = 12;

    /** Fills out[0..n); returns CNT_COUNT, -1 on error (kp_last_error). */
    static native int kp_counters(long handle, long[] out, int n);

    static native void kp_close(long handle);

    static native long kp_count_rest(long handle);

    static native int kp_event_table(byte[] out, int capacity);

    static native int kp_suppress_comm(long handle, String comm);

    static native int kp_set_snaplen(long handle, int snaplen);

    static native int kp_set_socket_snaplen(long handle, int bytes);

    static native int kp_container_id_of_cgroup(String path, byte[] out, int capacity);

    /** The record schema, one "block TAB field TAB offset TAB size" line a field; its length, -1 when out is too small. */
    static native int kp_record_layout(byte[] out, int capacity);

    /** A NUL-terminated message from a buffer the shim filled. */
    static String message(byte[] buffer) {
        int n = 0;
        while (n < buffer.length && buffer[n] != 0) {
            n++;
        }
        return new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }
}
