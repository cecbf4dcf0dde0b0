package io.kindling.probe.generator.internal;

/**
 * Event type codes, flags and constants of the falcosecurity driver ABI as of libs 0.1.1dev (March 2022),
 * checked against driver/ppm_events_public.h and driver/event_table.c of that version.
 */
public final class Ppm {

    private Ppm() {
    }

    /** PPM_EVENT_MAX of the event table this generator targets. */
    public static final int EVENT_MAX = 336;

    // event codes (enter = even, exit = enter + 1)
    public static final int CLOSE_E = 4;
    public static final int CLOSE_X = 5;
    public static final int READ_E = 6;
    public static final int READ_X = 7;
    public static final int WRITE_E = 8;
    public static final int WRITE_X = 9;
    public static final int SOCKET_E = 18;
    public static final int SOCKET_X = 19;
    public static final int CONNECT_E = 22;
    public static final int CONNECT_X = 23;
    public static final int SENDTO_E = 30;
    public static final int SENDTO_X = 31;
    public static final int RECVFROM_E = 34;
    public static final int RECVFROM_X = 35;
    public static final int FUTEX_E = 64;
    public static final int FUTEX_X = 65;
    public static final int FSTAT_E = 70;
    public static final int FSTAT_X = 71;
    public static final int EPOLLWAIT_E = 78;
    public static final int EPOLLWAIT_X = 79;
    public static final int SCHEDSWITCH_6_E = 152;
    public static final int ACCEPT_5_E = 246;
    public static final int ACCEPT_5_X = 247;
    public static final int OPENAT_2_E = 306;
    public static final int OPENAT_2_X = 307;

    /** Number of parameters of each event used here, from the event table. */
    public static int nparams(int type) {
        switch (type) {
            case CLOSE_E: case CLOSE_X: return 1;
            case READ_E: case READ_X: case WRITE_E: case WRITE_X: return 2;
            case SOCKET_E: return 3;
            case SOCKET_X: return 1;
            case CONNECT_E: case CONNECT_X: return 2;
            case SENDTO_E: return 3;
            case SENDTO_X: return 2;
            case RECVFROM_E: return 2;
            case RECVFROM_X: return 3;
            case FUTEX_E: return 3;
            case FUTEX_X: return 1;
            case FSTAT_E: case FSTAT_X: return 1;
            case EPOLLWAIT_E: case EPOLLWAIT_X: return 1;
            case SCHEDSWITCH_6_E: return 6;
            case ACCEPT_5_E: return 0;
            case ACCEPT_5_X: return 5;
            case OPENAT_2_E: return 4;
            case OPENAT_2_X: return 6;
            default: throw new IllegalArgumentException("event type not generated: " + type);
        }
    }

    /** The event name as printed by sysdig ({@code evt.type}). */
    public static String name(int type) {
        switch (type) {
            case CLOSE_E: case CLOSE_X: return "close";
            case READ_E: case READ_X: return "read";
            case WRITE_E: case WRITE_X: return "write";
            case SOCKET_E: case SOCKET_X: return "socket";
            case CONNECT_E: case CONNECT_X: return "connect";
            case SENDTO_E: case SENDTO_X: return "sendto";
            case RECVFROM_E: case RECVFROM_X: return "recvfrom";
            case FUTEX_E: case FUTEX_X: return "futex";
            case FSTAT_E: case FSTAT_X: return "fstat";
            case EPOLLWAIT_E: case EPOLLWAIT_X: return "epoll_wait";
            case SCHEDSWITCH_6_E: return "switch";
            case ACCEPT_5_E: case ACCEPT_5_X: return "accept";
            case OPENAT_2_E: case OPENAT_2_X: return "openat";
            default: return "type" + type;
        }
    }

    public static boolean isEnter(int type) {
        return (type & 1) == 0;
    }

    // socket families (PPM_AF_*)
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    // socket(2) type / protocol values as passed by the driver (raw Linux values)
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;

    // open flags (PPM_O_*)
    public static final int O_RDONLY = 1;
    public static final int O_WRONLY = 1 << 1;
    public static final int O_RDWR = O_RDONLY | O_WRONLY;
    public static final int O_CREAT = 1 << 2;
    public static final int O_APPEND = 1 << 3;
    public static final int O_NONBLOCK = 1 << 6;
    public static final int O_TRUNC = 1 << 8;
    public static final int O_CLOEXEC = 1 << 12;
    public static final int AT_FDCWD = -100;

    // futex ops (PPM_FU_*)
    public static final int FUTEX_WAIT = 0;
    public static final int FUTEX_WAKE = 1;
    public static final int FUTEX_PRIVATE_FLAG = 128;

    // clone flags (PPM_CL_*) used for threads in the process list
    public static final int CL_CLONE_FILES = 1;
    public static final int CL_CLONE_FS = 1 << 1;
    public static final int CL_CLONE_SIGHAND = 1 << 11;
    public static final int CL_CLONE_THREAD = 1 << 13;
    public static final int CL_CLONE_VM = 1 << 15;

    // scap fd types
    public static final int FD_FILE = 1;
    public static final int FD_DIRECTORY = 2;
    public static final int FD_IPV4_SOCK = 3;
    public static final int FD_IPV6_SOCK = 4;
    public static final int FD_IPV4_SERVSOCK = 5;
    public static final int FD_IPV6_SERVSOCK = 6;
    public static final int FD_FIFO = 7;
    public static final int FD_UNIX_SOCK = 8;
    public static final int FD_EVENT = 9;
    public static final int FD_EVENTPOLL = 12;
    public static final int FD_FILE_V2 = 16;

    // scap l4 protocols
    public static final int L4_TCP = 2;
    public static final int L4_UDP = 3;

    // errno values (results are negated)
    public static final int ENOENT = 2;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int ECONNREFUSED = 111;
    public static final int EINPROGRESS = 115;
}
