package io.kindling.probe.generator.internal;

/** One entry of a process's initial fd table, as written to the FDL block. */
public final class FdEntry {

    final int fd;
    final long ino;
    final int type;
    final String name;
    final int openFlags;
    final int dev;
    final int l4proto;
    final int ip4;
    final byte[] ip6;
    final int port;
    final int remoteIp4;
    final int remotePort;
    final long unixSource;
    final long unixDest;

    private FdEntry(int fd, long ino, int type, String name, int openFlags, int dev, int l4proto, int ip4,
            byte[] ip6, int port, long unixSource, long unixDest) {
        this(fd, ino, type, name, openFlags, dev, l4proto, ip4, ip6, port, unixSource, unixDest, 0, 0);
    }

    private FdEntry(int fd, long ino, int type, String name, int openFlags, int dev, int l4proto, int ip4,
            byte[] ip6, int port, long unixSource, long unixDest, int remoteIp4, int remotePort) {
        this.fd = fd;
        this.ino = ino;
        this.type = type;
        this.name = name;
        this.openFlags = openFlags;
        this.dev = dev;
        this.l4proto = l4proto;
        this.ip4 = ip4;
        this.ip6 = ip6;
        this.port = port;
        this.unixSource = unixSource;
        this.unixDest = unixDest;
        this.remoteIp4 = remoteIp4;
        this.remotePort = remotePort;
    }

    static FdEntry file(int fd, long ino, String path, int openFlags, int dev) {
        return new FdEntry(fd, ino, Ppm.FD_FILE_V2, path, openFlags, dev, 0, 0, null, 0, 0, 0);
    }

    static FdEntry directory(int fd, long ino, String path) {
        return new FdEntry(fd, ino, Ppm.FD_DIRECTORY, path, 0, 0, 0, 0, null, 0, 0, 0);
    }

    static FdEntry anon(int fd, long ino, int type) {
        return new FdEntry(fd, ino, type, "", 0, 0, 0, 0, null, 0, 0, 0);
    }

    static FdEntry ipv4Server(int fd, long ino, int ip, int port, int l4proto) {
        return new FdEntry(fd, ino, Ppm.FD_IPV4_SERVSOCK, null, 0, 0, l4proto, ip, null, port, 0, 0);
    }

    /**
     * A connected (or, with remote 0.0.0.0:0, a bound but unconnected datagram) IPv4 socket. An unconnected
     * UDP socket is described this way rather than as a server socket because libsinsp fills the remote
     * half of a server socket's tuple from the server fields when the first datagram arrives, which
     * gives a garbled name; with a zero remote address it takes the peer of the first recvfrom.
     */
    static FdEntry ipv4Socket(int fd, long ino, int localIp, int localPort, int remoteIp, int remotePort,
            int l4proto) {
        return new FdEntry(fd, ino, Ppm.FD_IPV4_SOCK, null, 0, 0, l4proto, localIp, null, localPort, 0, 0,
                remoteIp, remotePort);
    }

    static FdEntry ipv6Server(int fd, long ino, byte[] ip, int port, int l4proto) {
        return new FdEntry(fd, ino, Ppm.FD_IPV6_SERVSOCK, null, 0, 0, l4proto, 0, ip, port, 0, 0);
    }

    static FdEntry unix(int fd, long ino, long source, long dest, String path) {
        return new FdEntry(fd, ino, Ppm.FD_UNIX_SOCK, path, 0, 0, 0, 0, null, 0, source, dest);
    }

    /** Writes this entry in the FDL_BLOCK_TYPE_V2 layout. */
    void write(ScapWriter w) {
        w.beginEntry();
        w.u64(fd).u64(ino).u8(type);
        switch (type) {
            case Ppm.FD_IPV4_SOCK:
                w.u32(ip4).u32(remoteIp4).u16(port).u16(remotePort).u8(l4proto);
                break;
            case Ppm.FD_IPV4_SERVSOCK:
                w.u32(ip4).u16(port).u8(l4proto);
                break;
            case Ppm.FD_IPV6_SERVSOCK:
                w.raw(ip6).u16(port).u8(l4proto);
                break;
            case Ppm.FD_UNIX_SOCK:
                w.u64(unixSource).u64(unixDest).lstr(name);
                break;
            case Ppm.FD_FILE_V2:
                w.u32(openFlags).lstr(name).u32(dev);
                break;
            default:
                w.lstr(name);
                break;
        }
        w.endEntry(true);
    }
}
