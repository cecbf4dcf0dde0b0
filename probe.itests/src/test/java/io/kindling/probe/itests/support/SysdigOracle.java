package io.kindling.probe.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The reference: what Debian's {@code sysdig -r FILE -p FORMAT} prints for a capture (the same
 * libsinsp as the probe), with the Kindling probe's drop rules applied here, independently of the probe:
 * <ul>
 * <li>{@code EC_INTERNAL} events: sysdig does not print them (without {@code -d}), as the Kindling probe
 * drops them;</li>
 * <li>events without thread information: sysdig prints {@code <NA>} for {@code proc.pid};</li>
 * <li>I/O events ({@code category & EC_IO_BASE} in libscap's table, {@link ScapEventTable}) whose
 * {@code res} is 0 or negative. Generic events ({@code evt.arg.ID} present; {@code evt.rawarg.ID}
 * makes this sysdig stop with "wrong event type 18") are
 * {@code EC_OTHER}, never I/O.</li>
 * </ul>
 * The Kindling probe's "own process" rule does not apply to a capture recorded elsewhere.
 */
public final class SysdigOracle {

    public static final String NA = "<NA>";

    /** The process names the probe suppresses by default (the engine's suppressed.comms). */
    public static final java.util.Set<String> SUPPRESSED = java.util.Set.of("kindling-collec", "containerd", "dockerd",
            "containerd-shim");

    /** The fields printed for each event, in this order. */
    public static final List<String> FIELDS = List.of("evt.num", "evt.rawtime", "proc.pid", "thread.tid", "proc.name",
            "evt.dir", "evt.type", "evt.category", "evt.rawarg.res", "evt.arg.ID", "fd.num", "fd.type", "fd.typechar",
            "fd.name", "fd.l4proto", "fd.cip", "fd.cport", "fd.sip", "fd.sport", "evt.arg.addr");

    /** Field separator and record terminator: control characters that no printed value contains (checked). */
    private static final char FS = '\u001f';
    private static final char RS = '\u001e';

    /**
     * One event as sysdig printed it. {@code connectDestination} ({@code ip:port}, else null) is the
     * part of libsinsp's socket state that sysdig does not print: libsinsp's parse_connect_enter copies
     * the {@code addr} argument of a connect enter event (the event version with two parameters, as
     * probe.generator writes) into the socket's server address and port without giving the socket a
     * role, and the fd.sip, fd.sport, fd.cip and fd.cport fields print {@code <NA>} for a socket
     * without a role. The destination stays until connect's exit fills the whole tuple (and a role);
     * after a failed connect it stays until the fd is closed. It is set here for every inet socket
     * event whose tuple sysdig hides while libsinsp holds such a destination.
     */
    public record Event(String[] values, String connectDestination) {

        public String get(String field) {
            int i = FIELDS.indexOf(field);
            if (i < 0) {
                throw new IllegalArgumentException("field not printed: " + field);
            }
            return values[i];
        }

        public boolean isNa(String field) {
            return NA.equals(get(field));
        }

        public boolean isEnter() {
            return ">".equals(get("evt.dir"));
        }

        public boolean isGeneric() {
            return !isNa("evt.arg.ID");
        }

        /** The name the probe delivers this event with, as the Kindling probe does: libsinsp's {@code evt.type}. */
        public String probeName() {
            return get("evt.type");
        }

        /** The source the probe gives this event: the tracepoints', or the syscall's direction ({@code evt.dir}). */
        public String probeSource() {
            switch (get("evt.type")) {
                case "switch":
                case "procexit":
                case "signaldeliver":
                    return "tracepoint";
                default:
                    return isEnter() ? "syscall_enter" : "syscall_exit";
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("sysdig #").append(get("evt.num"));
            for (int i = 1; i < FIELDS.size(); i++) {
                if (!NA.equals(values[i])) {
                    b.append(' ').append(FIELDS.get(i)).append('=').append(values[i]);
                }
            }
            if (connectDestination != null) {
                b.append(" (libsinsp's connect destination ").append(connectDestination).append(')');
            }
            return b.toString();
        }
    }

    /** What sysdig printed, what the drop rules keep, and how many each rule dropped. */
    /** {@code suppressed}: events of threads whose command the probe suppresses by default (never read by the probe). */
    public record Result(List<Event> printed, List<Event> kept, int droppedNoThread, int droppedIoResult, int suppressed) {}

    private SysdigOracle() {}

    /** Follows, per process and fd number, the destination libsinsp took from a connect enter (see {@link Event}). */
    private static final class ConnectDestinations {
        private final Map<String, String> byFd = new HashMap<>();

        /** The hidden destination of this event's socket after libsinsp parsed the event, else null. */
        String of(String[] values) {
            String pid = value(values, "proc.pid");
            String fd = value(values, "fd.num");
            if (NA.equals(pid) || NA.equals(fd)) {
                return null;
            }
            String key = pid + "/" + fd;
            String type = value(values, "fd.type");
            boolean inet = type.equals("ipv4") || type.equals("ipv6");
            String event = value(values, "evt.type");
            boolean enter = ">".equals(value(values, "evt.dir"));
            if (!inet || !NA.equals(value(values, "fd.sip")) || (event.equals("socket") && !enter)) {
                byFd.remove(key); // another kind of fd, a tuple with a role, or a new socket (zeroed)
                return null;
            }
            String addr = value(values, "evt.arg.addr");
            if (event.equals("connect") && enter && !NA.equals(addr)) {
                byFd.put(key, addr);
            }
            return byFd.get(key);
        }

        private static String value(String[] values, String field) {
            return values[FIELDS.indexOf(field)];
        }
    }

    public static Result read(Path capture, Path workDir) throws IOException, InterruptedException {
        return read(capture, workDir, false);
    }

    /**
     * Reads a capture with sysdig. With {@code truncated}, sysdig may fail at the end of the file
     * (exit status 1, "Is the file truncated?"); the events it printed before are the result.
     */
    public static Result read(Path capture, Path workDir, boolean truncated) throws IOException, InterruptedException {
        Path sysdig = TestEnvironment.sysdig();
        ScapEventTable table = ScapEventTable.load();
        StringBuilder format = new StringBuilder("*");
        for (int i = 0; i < FIELDS.size(); i++) {
            format.append(i == 0 ? "" : String.valueOf(FS)).append('%').append(FIELDS.get(i));
        }
        format.append(RS);
        Files.createDirectories(workDir);
        Path out = workDir.resolve("sysdig.out");
        Path err = workDir.resolve("sysdig.err");
        Process p = new ProcessBuilder(sysdig.toString(), "-r", capture.toString(), "-p", format.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("sysdig did not finish reading " + capture);
        }
        if (p.exitValue() != 0 && !(truncated && p.exitValue() == 1)) {
            throw new IOException("sysdig -r " + capture + " exited with " + p.exitValue() + ": " + Files.readString(err));
        }
        String text = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
        List<Event> printed = new ArrayList<>();
        ConnectDestinations destinations = new ConnectDestinations();
        String[] records = text.split(String.valueOf(RS), -1);
        for (int i = 0; i < records.length; i++) {
            String r = records[i].startsWith("\n") ? records[i].substring(1) : records[i];
            if (r.isEmpty()) {
                continue;
            }
            String[] values = r.split(String.valueOf(FS), -1);
            if (truncated && i == records.length - 1 && r.matches("(?s)res = -?\\d+\\s*")) {
                continue; // what sysdig prints on standard output when the capture ends early
            }
            if (values.length != FIELDS.size()) {
                throw new IOException("sysdig printed a record with " + values.length + " fields instead of "
                        + FIELDS.size() + ": " + r.replace(FS, '|'));
            }
            printed.add(new Event(values, destinations.of(values)));
        }
        List<Event> kept = new ArrayList<>();
        int noThread = 0;
        int ioResult = 0;
        int suppressed = 0;
        for (Event e : printed) {
            if (e.isNa("proc.pid")) {
                noThread++;
                continue;
            }
            if (SUPPRESSED.contains(e.get("proc.name")) && !e.get("evt.type").equals("switch")) {
                suppressed++; // the probe's default suppression: threads whose command is one of the names, switches kept
                continue;
            }
            boolean io = !e.isGeneric() && table.isIo(e.get("evt.type"), e.get("evt.dir"));
            if (io && !e.isNa("evt.rawarg.res") && Long.parseLong(e.get("evt.rawarg.res")) <= 0) {
                ioResult++;
                continue;
            }
            kept.add(e);
        }
        return new Result(printed, kept, noThread, ioResult, suppressed);
    }
}
