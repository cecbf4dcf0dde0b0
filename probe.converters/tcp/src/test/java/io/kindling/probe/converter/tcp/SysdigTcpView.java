package io.kindling.probe.converter.tcp;

import io.kindling.probe.testing.Captures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The TCP connections of a capture as sysdig shows them, worked out from its lines alone: connects
 * and accepts on TCP sockets, the successful reads and writes on them, and their closes. Gives the
 * tcp events that the converter should emit, as text lines. Two things that sysdig shows but does not
 * resolve are worked out too: an IPv6 stream socket (its {@code socket} line) that connects to an
 * IPv4-mapped address is shown as an IPv4 socket of no known protocol (libsinsp loses it), and a
 * {@code dup} whose result is an fd that holds a connection closes it (a copy of a connection's fd holds
 * it too; the enter names the old fd, the exit the new one).
 */
final class SysdigTcpView {
    private static final String IO = "read,readv,recvfrom,recvmsg,pread,preadv,write,writev,sendto,sendmsg,pwrite,pwritev,sendfile";
    private static final String FIELDS = " %proc.pid %thread.tid %fd.num %evt.rawres %fd.l4proto |%fd.name|%fd.cip:%fd.cport->%fd.sip:%fd.sport";

    /** One sysdig line; {@code args} holds the tuple built from the fd's fields, or a call's arguments. */
    private record Line(String type, String pid, String tid, String fd, String res, String l4, String name, String args) {
        String key() {
            return pid + "/" + fd;
        }

        String threadKey() {
            return pid + "/" + tid;
        }

        long result() {
            return res.matches("-?\\d+") ? Long.parseLong(res) : -1;
        }
    }

    private static final class Conn {
        String tuple;
        String side;
        boolean pending;
        boolean failed;
        int fds = 1;
        long sent;
        long received;
        long reads;
        long writes;
    }

    final List<String> connects = new ArrayList<>();
    final List<String> accepts = new ArrayList<>();
    final List<String> closes = new ArrayList<>();
    private final Map<String, Conn> open = new HashMap<>();
    /** Threads in a socket() of an IPv6 stream socket, then the sockets it created. */
    private final Map<String, Boolean> streams = new HashMap<>();
    private final Map<String, String> dupEnters = new HashMap<>();

    SysdigTcpView(Path capture) throws Exception {
        for (Line l : lines(capture).values()) {
            switch (l.type) {
                case "socket>" -> streams.put("t" + l.threadKey(), l.args.contains("domain=10(")
                        && (Long.parseLong(l.args.replaceAll(".*type=(\\d+).*", "$1").trim()) & 0xff) == 1);
                case "socket<" -> {
                    if (Boolean.TRUE.equals(streams.remove("t" + l.threadKey())) && l.result() >= 0) {
                        streams.put(l.key(), true);
                    }
                }
                case "dup>" -> dupEnters.put(l.threadKey(), l.fd);
                case "dup<" -> dup(l, dupEnters.remove(l.threadKey()));
                default -> {
                    boolean tcp = "tcp".equals(l.l4) || ("connect".equals(l.type) ? streams.remove(l.key()) != null
                            : open.containsKey(l.key()));
                    if (tcp) {
                        connection(l);
                    }
                }
            }
        }
        for (Conn c : open.values()) {
            if (c.pending) {
                connects.add("conn_connect " + c.tuple + " -115");
            }
        }
    }

    private void connection(Line l) {
        String tuple = l.name.isEmpty() || l.name.equals("<unknown>") ? l.args : l.name;
        Conn c = open.get(l.key());
        switch (l.type) {
            case "connect" -> connect(l, c, tuple);
            case "accept", "accept4" -> {
                c = new Conn();
                c.tuple = tuple;
                c.side = "server";
                open.put(l.key(), c);
                accepts.add("conn_accept " + tuple);
            }
            case "close" -> {
                streams.remove(l.key());
                open.remove(l.key());
                if (c != null && --c.fds > 0) {
                    return;
                }
                if (c == null) {
                    c = new Conn();
                    c.tuple = tuple;
                    c.side = "?";
                }
                closed(c);
            }
            default -> io(l, c, tuple);
        }
    }

    private void connect(Line l, Conn c, String tuple) {
        long res = l.result();
        if (c != null && c.pending) {
            if (res == 0 || res == -106) {
                c.pending = false;
                connects.add("conn_connect " + c.tuple + " 0");
            } else if (res != -114 && res != -115) {
                c.pending = false;
                c.failed = true;
                connects.add("conn_connect " + c.tuple + " " + res);
            }
            return;
        }
        c = new Conn();
        c.tuple = tuple;
        c.side = "client";
        if (res == -115) {
            c.pending = true;
        } else {
            connects.add("conn_connect " + tuple + " " + res);
            c.failed = res != 0;
        }
        open.put(l.key(), c);
    }

    private void io(Line l, Conn c, String tuple) {
        long res = l.result();
        if (res <= 0) {
            return;
        }
        if (c == null) {
            c = new Conn();
            c.tuple = tuple;
            c.side = "?";
            open.put(l.key(), c);
        }
        if (c.failed) {
            return;
        }
        if (c.pending) {
            c.pending = false;
            connects.add("conn_connect " + c.tuple + " 0");
        }
        boolean read = l.type.startsWith("read") || l.type.startsWith("recv") || l.type.startsWith("pread");
        if (read) {
            c.reads++;
            c.received += res;
        } else {
            c.writes++;
            c.sent += res;
        }
    }

    private void closed(Conn c) {
        if (c.failed) {
            return;
        }
        if (c.pending) {
            connects.add("conn_connect " + c.tuple + " -115");
        }
        closes.add("conn_close " + c.tuple + " " + c.side + " sent=" + c.sent + " received=" + c.received
                + " writes=" + c.writes + " reads=" + c.reads);
    }

    /** The exit of a dup: sysdig's fd there is the new one (its result); the enter named the old one. */
    private void dup(Line l, String oldFd) {
        if (l.result() < 0 || l.fd.equals(oldFd)) {
            return;
        }
        streams.remove(l.key());
        Conn replaced = open.remove(l.key());
        if (replaced != null && --replaced.fds == 0) {
            closed(replaced);
        }
        Conn copied = oldFd == null ? null : open.get(l.pid + "/" + oldFd);
        if (copied != null) {
            copied.fds++;
            open.put(l.key(), copied);
        }
    }

    /** sysdig's lines by event number: exits of connect, accept and I/O, enters of close, socket and dup. */
    private static TreeMap<Long, Line> lines(Path capture) throws Exception {
        TreeMap<Long, Line> lines = new TreeMap<>();
        String io = IO.replace(",", ", ");
        String inet = "(fd.l4proto=tcp or fd.type in (ipv4, ipv6))";
        add(lines, Captures.sysdig(capture, "%evt.num %evt.type" + FIELDS, "evt.dir=< and " + inet
                + " and evt.type in (connect, accept, accept4, " + io + ")"));
        add(lines, Captures.sysdig(capture, "*%evt.num close" + FIELDS, "evt.dir=> and evt.type=close and " + inet));
        add(lines, Captures.sysdig(capture, "*%evt.num %evt.type%evt.dir %proc.pid %thread.tid %fd.num %evt.rawres - |-|%evt.args",
                "evt.type in (socket, dup)"));
        return lines;
    }

    private static void add(TreeMap<Long, Line> lines, List<String> text) {
        for (String l : text) {
            String[] f = l.split(" ", 8);
            String[] rest = f[7].split("\\|", 3);
            lines.put(Long.parseLong(f[0]), new Line(f[1], f[2], f[3], f[4], f[5], f[6], rest[1], rest[2].trim()));
        }
    }
}
