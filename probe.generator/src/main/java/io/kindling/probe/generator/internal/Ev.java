package io.kindling.probe.generator.internal;

/**
 * One planned event. Instances are pooled and refilled, never allocated per event; the fields used
 * depend on {@link #type}.
 */
public final class Ev {

    SimThread th;
    int type;
    /** fd parameter of enter events, or the returned fd of socket/accept/openat exits. */
    long fd;
    /** Result of exit events. */
    long res;
    /** u32 size parameter of read/write/sendto/recvfrom enter events. */
    int size;
    /** Payload of read/write/sendto/recvfrom exits; {@link #dataLen} bytes are captured. */
    byte[] data;
    /** Where the payload starts in {@link #data}. */
    int dataOff;
    int dataLen;
    /** Socket endpoints for sockaddr / tuple parameters. */
    Conn conn;
    /** Tuple orientation: true = remote to local (what accept and recvfrom report). */
    boolean inbound;
    byte[] path;
    int pathLen;
    int flags;
    int mode;
    int dev;
    long dirfd;
    long futexAddr;
    int futexOp;
    long futexVal;
    int domain;
    int sockType;
    int proto;
    /** Next thread of a context switch. */
    SimThread next;
    /** Extra nanoseconds that pass before this event (waiting, network latency, ...). */
    long delayNs;
    /** The enter event blocks the thread (the CPU may go idle). */
    boolean blocking;
    /** Pseudo event: make {@link #th} the running thread of its CPU; writes nothing by itself. */
    boolean runOnly;
    /** What the activity fills in when the event's timestamp is known (see {@link Activity#stamped}). */
    Object tag;

    Ev reset(SimThread th, int type) {
        this.th = th;
        this.type = type;
        this.fd = 0;
        this.res = 0;
        this.size = 0;
        this.data = null;
        this.dataOff = 0;
        this.dataLen = 0;
        this.conn = null;
        this.inbound = false;
        this.path = null;
        this.pathLen = 0;
        this.flags = 0;
        this.mode = 0;
        this.dev = 0;
        this.dirfd = 0;
        this.futexAddr = 0;
        this.futexOp = 0;
        this.futexVal = 0;
        this.domain = 0;
        this.sockType = 0;
        this.proto = 0;
        this.next = null;
        this.delayNs = 0;
        this.blocking = false;
        this.runOnly = false;
        this.tag = null;
        return this;
    }
}
