package io.kindling.probe.api;

/**
 * The thread an event happened on, as libsinsp's thread table knows it. {@code containerId} is the short
 * (12-character) id of the thread's container, empty for a host process; {@code vpid} and {@code vtid}
 * are the process and thread ids inside the thread's pid namespace (a container's), equal to {@code pid}
 * and {@code tid} in the host's.
 */
public record ThreadContext(long pid, long tid, long uid, long gid, String comm, String containerId, long vpid, long vtid) {

    /** A thread of the host's pid namespace (its ids there are the host's). */
    public ThreadContext(long pid, long tid, long uid, long gid, String comm, String containerId) {
        this(pid, tid, uid, gid, comm, containerId, pid, tid);
    }

    /**
     * Whether the thread runs in a pid namespace of its own (its ids there differ from the host's).
     * @since 1.3
     */
    public boolean inPidNamespace() {
        return vpid != pid || vtid != tid;
    }

    /**
     * The same thread under another command name (a Java thread's name, for example).
     * @since 1.3
     */
    public ThreadContext withComm(String name) {
        return new ThreadContext(pid, tid, uid, gid, name, containerId, vpid, vtid);
    }
}
