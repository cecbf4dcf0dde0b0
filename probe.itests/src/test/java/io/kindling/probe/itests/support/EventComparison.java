package io.kindling.probe.itests.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares one event of the probe's JSON Lines output with the event sysdig printed at the same
 * position: timestamp, name, pid, tid, comm, and the fd context:
 * <ul>
 * <li>the fd number, and the fd type ({@code ipv4_server} is sysdig's {@code ipv4}, {@code fifo} its
 * {@code pipe}, {@code unsupported} its {@code <NA>});</li>
 * <li>files: {@code filename} and {@code directory} split from sysdig's {@code fd.name} by the
 * Kindling probe's rule (at the last {@code '/'}, none when there is no slash or it is the last character,
 * directory {@code "/"} for a slash at position 0);</li>
 * <li>inet sockets: the Kindling probe copies libsinsp's tuple as it is, so the probe's {@code sip:sport} is
 * sysdig's client end {@code fd.cip:fd.cport} and {@code dip:dport} its server end
 * {@code fd.sip:fd.sport}; where sysdig prints {@code <NA>} (a socket without a role: no tuple
 * yet, or a connect that failed) the probe has the zero address and port 0, but for the destination
 * that libsinsp took from a connect enter's {@code addr} argument, which the probe copies as it is
 * as {@code dip:dport} ({@link SysdigOracle.Event#connectDestination()}); the L4 protocol is
 * sysdig's {@code fd.l4proto} ({@code <NA>} is {@code unknown}).</li>
 * </ul>
 * Unix socket endpoints are not compared: sysdig prints them only inside {@code fd.name}, which
 * libsinsp sets from the connect tuple without filling the endpoints that the Kindling probe copies.
 */
public final class EventComparison {

    private EventComparison() {}

    /** The differences between the two events; empty when they agree. */
    @SuppressWarnings("unchecked")
    public static List<String> differences(Map<String, Object> probe, SysdigOracle.Event sysdig) {
        List<String> d = new ArrayList<>();
        check(d, "timestamp", probe.get("timestamp"), Long.parseLong(sysdig.get("evt.rawtime")));
        check(d, "name", probe.get("name"), sysdig.probeName());
        check(d, "source", probe.get("source"), sysdig.probeSource());
        Map<String, Object> thread = (Map<String, Object>) probe.get("thread");
        if (thread == null) {
            d.add("thread: missing in the probe's event, sysdig has pid " + sysdig.get("proc.pid"));
        } else {
            check(d, "pid", thread.get("pid"), Long.parseLong(sysdig.get("proc.pid")));
            check(d, "tid", thread.get("tid"), Long.parseLong(sysdig.get("thread.tid")));
            check(d, "comm", thread.get("comm"), sysdig.get("proc.name"));
        }
        Map<String, Object> fd = (Map<String, Object>) probe.get("fd");
        if (fd == null) {
            if (!sysdig.isNa("fd.type")) {
                d.add("fd: the probe has none, sysdig has fd " + sysdig.get("fd.num") + " of type " + sysdig.get("fd.type")
                        + " named '" + sysdig.get("fd.name") + "'");
            }
            return d;
        }
        String type = String.valueOf(fd.get("type"));
        if (sysdig.isNa("fd.num")) {
            d.add("fd.num: probe " + fd.get("num") + ", sysdig <NA>");
        } else {
            check(d, "fd.num", fd.get("num"), Long.parseLong(sysdig.get("fd.num")));
        }
        check(d, "fd.type", sysdigFdType(type), sysdig.get("fd.type"));
        switch (type) {
            case "file":
                String[] split = splitPath(sysdig.isNa("fd.name") ? null : sysdig.get("fd.name"));
                check(d, "fd.filename", fd.get("filename"), split[0]);
                check(d, "fd.directory", fd.get("directory"), split[1]);
                break;
            case "ipv4":
            case "ipv6":
            case "ipv4_server":
            case "ipv6_server":
                String zero = type.startsWith("ipv4") ? "0.0.0.0" : "::";
                check(d, "fd.sip (sysdig fd.cip)", fd.get("sip"), orElse(sysdig.get("fd.cip"), zero));
                check(d, "fd.sport (sysdig fd.cport)", fd.get("sport"), Long.parseLong(orElse(sysdig.get("fd.cport"), "0")));
                String destination = sysdig.connectDestination();
                if (destination == null) {
                    check(d, "fd.dip (sysdig fd.sip)", fd.get("dip"), orElse(sysdig.get("fd.sip"), zero));
                    check(d, "fd.dport (sysdig fd.sport)", fd.get("dport"), Long.parseLong(orElse(sysdig.get("fd.sport"), "0")));
                } else {
                    int colon = destination.lastIndexOf(':');
                    String address = destination.substring(0, colon);
                    // an IPv6 socket connecting to an IPv4-mapped address: libsinsp makes the fd an IPv4
                    // one, sysdig prints the argument as given
                    if (address.startsWith("::ffff:") && address.indexOf('.') > 0 && "ipv4".equals(sysdig.get("fd.type"))) {
                        address = address.substring("::ffff:".length());
                    }
                    check(d, "fd.dip (libsinsp's connect destination, sysdig evt.arg.addr)", fd.get("dip"), address);
                    check(d, "fd.dport (libsinsp's connect destination, sysdig evt.arg.addr)", fd.get("dport"),
                            Long.parseLong(destination.substring(colon + 1)));
                }
                check(d, "fd.protocol (sysdig fd.l4proto)", fd.get("protocol"), orElse(sysdig.get("fd.l4proto"), "unknown"));
                break;
            default:
                break;
        }
        return d;
    }

    /** The Kindling probe's split of a file name: {filename, directory}, both null when it does not split. */
    public static String[] splitPath(String name) {
        if (name == null) {
            return new String[] {null, null};
        }
        int slash = name.lastIndexOf('/');
        if (slash < 0 || slash == name.length() - 1) {
            return new String[] {null, null};
        }
        return new String[] {name.substring(slash + 1), slash == 0 ? "/" : name.substring(0, slash)};
    }

    private static String sysdigFdType(String probeType) {
        switch (probeType) {
            case "ipv4_server":
                return "ipv4";
            case "ipv6_server":
                return "ipv6";
            case "fifo":
                return "pipe";
            case "unsupported":
                // an fd of a kind libsinsp does not follow (typechar X: a BPF object, ...)
                return SysdigOracle.NA;
            default:
                return probeType;
        }
    }

    private static String orElse(String value, String na) {
        return SysdigOracle.NA.equals(value) ? na : value;
    }

    private static void check(List<String> d, String what, Object probe, Object sysdig) {
        Object p = probe instanceof Number n && sysdig instanceof Long ? (Object) n.longValue() : probe;
        if (!Objects.equals(p, sysdig)) {
            d.add(what + ": probe " + quote(probe) + ", sysdig " + quote(sysdig));
        }
    }

    private static String quote(Object o) {
        return o instanceof String ? "'" + o + "'" : String.valueOf(o);
    }
}
