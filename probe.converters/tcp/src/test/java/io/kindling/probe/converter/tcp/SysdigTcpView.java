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
 * tcp events that the converter should emit, as text lines.
 */
final class SysdigTcpView {
    private static final String IO = "read,readv,recvfrom,recvmsg,pread,preadv,write,writev,sendto,sendmsg,pwrite,pwritev,sendfile";

    private static final class Conn {
        String tuple;
        String side;
        boolean pending;
        boolean failed;
        long sent;
        long received;
        long reads;
        long writes;
    }

    final List<String> connects = new ArrayList<>();
    final List<String> accepts = new ArrayList<>();
    final List<String> closes = new ArrayList<>();

    SysdigTcpView(Path capture) throws Exception {
        TreeMap<Long, String[]> events = new TreeMap<>();
        String fmt = "%evt.num %evt.type %proc.pid %fd.num %evt.rawres %fd.name";
        for (String l : Captures.sysdig(capture, fmt, "evt.dir=< and fd.l4proto=tcp and evt.type in (connect,accept,accept4,"
                + IO.replace(",", ", ") + ")")) {
            String[] f = l.split(" ", 6);
            events.put(Long.parseLong(f[0]), f);
        }
        for (String l : Captures.sysdig(capture, "%evt.num close %proc.pid %fd.num - %fd.name",
                "evt.dir=> and evt.type=close and fd.l4proto=tcp")) {
            String[] f = l.split(" ", 6);
            events.put(Long.parseLong(f[0]), f);
        }
        Map<String, Conn> open = new HashMap<>();
        for (String[] f : events.values()) {
            String type = f[1];
            String key = f[2] + "/" + f[3];
            String tuple = f[5].trim();
            Conn c = open.get(key);
            switch (type) {
                case "connect" -> {
                    long res = Long.parseLong(f[4]);
                    if (c != null && c.pending) {
                        if (res == 0 || res == -106) {
                            c.pending = false;
                            connects.add("conn_connect " + c.tuple + " 0");
                        } else if (res != -114 && res != -115) {
                            c.pending = false;
                            c.failed = true;
                            connects.add("conn_connect " + c.tuple + " " + res);
                        }
                        continue;
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
                    open.put(key, c);
                }
                case "accept", "accept4" -> {
                    c = new Conn();
                    c.tuple = tuple;
                    c.side = "server";
                    open.put(key, c);
                    accepts.add("conn_accept " + tuple);
                }
                case "close" -> {
                    open.remove(key);
                    if (c == null) {
                        c = new Conn();
                        c.tuple = tuple;
                        c.side = "?";
                    }
                    if (c.failed) {
                        continue;
                    }
                    if (c.pending) {
                        connects.add("conn_connect " + c.tuple + " -115");
                    }
                    closes.add("conn_close " + c.tuple + " " + c.side + " sent=" + c.sent + " received=" + c.received
                            + " writes=" + c.writes + " reads=" + c.reads);
                }
                default -> {
                    long res = Long.parseLong(f[4]);
                    if (res <= 0) {
                        continue;
                    }
                    if (c == null) {
                        c = new Conn();
                        c.tuple = tuple;
                        c.side = "?";
                        open.put(key, c);
                    }
                    if (c.failed) {
                        continue;
                    }
                    if (c.pending) {
                        c.pending = false;
                        connects.add("conn_connect " + c.tuple + " 0");
                    }
                    boolean read = type.startsWith("read") || type.startsWith("recv") || type.startsWith("pread");
                    if (read) {
                        c.reads++;
                        c.received += res;
                    } else {
                        c.writes++;
                        c.sent += res;
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
}
