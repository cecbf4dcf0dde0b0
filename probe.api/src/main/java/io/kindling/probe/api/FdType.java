package io.kindling.probe.api;

/**
 * File descriptor types, with the codes of libscap's {@code scap_fd_type}: the code of a constant
 * is its position minus one ({@link #UNINITIALIZED} is -1).
 */
public enum FdType {
    UNINITIALIZED("uninitialized"),
    UNKNOWN("unknown"),
    FILE("file"),
    DIRECTORY("directory"),
    IPV4_SOCK("ipv4"),
    IPV6_SOCK("ipv6"),
    IPV4_SERVSOCK("ipv4_server"),
    IPV6_SERVSOCK("ipv6_server"),
    FIFO("fifo"),
    UNIX_SOCK("unix"),
    EVENT("event"),
    UNSUPPORTED("unsupported"),
    SIGNALFD("signalfd"),
    EVENTPOLL("eventpoll"),
    INOTIFY("inotify"),
    TIMERFD("timerfd"),
    NETLINK("netlink"),
    FILE_V2("file");

    private static final FdType[] VALUES = values();

    private final String label;

    FdType(String label) {
        this.label = label;
    }

    /** The name used in JSON output. */
    public String label() {
        return label;
    }

    public boolean isFile() {
        return this == FILE || this == FILE_V2;
    }

    public boolean isInetSocket() {
        return this == IPV4_SOCK || this == IPV6_SOCK || this == IPV4_SERVSOCK || this == IPV6_SERVSOCK;
    }

    public int code() {
        return ordinal() - 1;
    }

    /** The type with this code; a code read as an unsigned byte (255) is {@link #UNINITIALIZED}. */
    public static FdType ofCode(int code) {
        int index = (byte) code + 1;
        return index >= 0 && index < VALUES.length ? VALUES[index] : UNKNOWN;
    }
}
