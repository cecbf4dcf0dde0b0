package io.kindling.probe.generator.internal;

/**
 * The endpoints of a socket as seen from the thread that owns it. Reused between connections, so
 * fields are mutable.
 */
public final class Conn {

    boolean v6;
    int localIp;
    int remoteIp;
    final byte[] localIp6 = new byte[16];
    final byte[] remoteIp6 = new byte[16];
    int localPort;
    int remotePort;

    Conn set4(int localIp, int localPort, int remoteIp, int remotePort) {
        this.v6 = false;
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        return this;
    }

    Conn set6(byte[] localIp, int localPort, byte[] remoteIp, int remotePort) {
        this.v6 = true;
        System.arraycopy(localIp, 0, this.localIp6, 0, 16);
        System.arraycopy(remoteIp, 0, this.remoteIp6, 0, 16);
        this.localPort = localPort;
        this.remotePort = remotePort;
        return this;
    }

    /** IPv4 address a.b.c.d as the little endian int whose bytes are in network order. */
    static int ip4(int a, int b, int c, int d) {
        return (a & 0xff) | (b & 0xff) << 8 | (c & 0xff) << 16 | (d & 0xff) << 24;
    }
}
