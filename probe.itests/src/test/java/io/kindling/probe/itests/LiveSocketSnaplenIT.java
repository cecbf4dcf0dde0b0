package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;

import io.kindling.probe.itests.LiveCaptureIT.LiveProbe;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;

/**
 * The request converter's raised snaplen applies to socket I/O only: with {@code net_request} subscribed (the
 * converter active, 4096 bytes of each socket read and write) and the writes of this test's JVM subscribed too,
 * a write and a writev of {@value #BYTES} bytes to a file keep the capture's own snaplen ({@value #FILE_SNAPLEN}
 * bytes, {@code live.snaplen}'s default), the same calls to a loopback TCP socket keep all {@value #BYTES}. So a
 * machine writing large files while requests are analysed does not carry 4 KiB of every file write through the
 * kernel's ring.
 */
public class LiveSocketSnaplenIT {
    static final int BYTES = 4000;
    static final int FILE_SNAPLEN = 80;

    @Test
    public void theRequestConvertersSnaplenRaisesSocketDataOnly() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/socket-snaplen");
        Path out = work.resolve("events.jsonl");
        try (LiveProbe probe = new LiveProbe(work, List.of(), LiveProbe.withSubscriptions(out,
                List.of("net_request", "syscall_exit-write", "syscall_exit-writev"), "120s", List.of()))) {
            LiveRequestsIT.awaitCapture(probe.process, probe.stderr); // the converter's snaplen is set
            writeFileAndSocket(work.resolve("written.bin"));
            Thread.sleep(1500); // what the probe read reaches the sink
            assertEquals("exit status of the live probe after SIGINT:\n" + probe.errors(), 130, probe.stop());
        }
        // what each call of this JVM that moved BYTES kept of its data, by call, file or socket, and the byte it wrote
        long pid = ProcessHandle.current().pid();
        Map<String, Integer> kept = new TreeMap<>();
        for (String line : Files.readAllLines(out)) {
            Map<String, Object> e = Json.object(line);
            Map<String, Object> attrs = LiveRequestsIT.attrs(e);
            if (LiveRequestsIT.pid(e) != pid || attrs == null || !Long.valueOf(BYTES).equals(number(attrs.get("res")))) {
                continue;
            }
            byte[] data = Base64.getDecoder().decode((String) attrs.get("data"));
            @SuppressWarnings("unchecked")
            String fdType = String.valueOf(((Map<String, Object>) e.get("fd")).get("type"));
            String to = "file".equals(fdType) ? "file" : "socket";
            kept.put(e.get("name") + " " + to + " " + (data.length > 0 ? (char) data[0] : '-'), data.length);
        }
        System.out.println("LIVE socket snaplen: data kept of each " + BYTES + "-byte call " + kept);
        assertEquals("data kept of each call of " + BYTES + " bytes (name, file or socket, the byte written)",
                Map.of("write file f", FILE_SNAPLEN, "writev file g", FILE_SNAPLEN, "write socket s", BYTES, "writev socket t", BYTES),
                kept);
    }

    /**
     * The Java agent's markers are file writes (to {@code /dev/null}): while a sink subscribes to the apm events, the
     * apm converter asks for {@value #MARKER_SNAPLEN} bytes of every write, so that a {@code kd-txid@} marker with a
     * long URL (here {@value #URL_LENGTH} characters) is read whole and becomes an {@code apm_trace_id_event}, not a
     * malformed marker cut at {@code live.snaplen}'s 80 bytes.
     */
    @Test
    public void aJavaAgentsMarkerWithALongUrlIsReadWhole() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/marker-snaplen");
        Path out = work.resolve("events.jsonl");
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String url = "/shop/" + "catalogue/".repeat(URL_LENGTH / 10 - 1) + "item";
        try (LiveProbe probe = new LiveProbe(work, List.of(), LiveProbe.withSubscriptions(out,
                List.of("apm_trace_id_event"), "120s", List.of()))) {
            probe.awaitCapturing();
            Thread.sleep(1500); // the routing of the subscription, and its snaplen, are in place
            try (OutputStream devNull = new FileOutputStream("/dev/null")) {
                devNull.write(("kd-txid@" + traceId + "!1!http!" + url + "!").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                devNull.write(("kd-txid@" + traceId + "!0!http!" + url + "!").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            Thread.sleep(1500); // what the probe read reaches the sink
            assertEquals("exit status of the live probe after SIGINT:\n" + probe.errors(), 130, probe.stop());
        }
        long pid = ProcessHandle.current().pid();
        List<String> seen = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            Map<String, Object> e = Json.object(line);
            Map<String, Object> attrs = LiveRequestsIT.attrs(e);
            if (LiveRequestsIT.pid(e) == pid && "apm_trace_id_event".equals(e.get("name")) && attrs != null) {
                seen.add(attrs.get("trace_id") + " " + attrs.get("is_enter") + " " + attrs.get("url"));
            }
        }
        System.out.println("LIVE marker snaplen: " + seen.size() + " apm_trace_id_event of this JVM");
        assertEquals("the trace's start and end markers, each with its whole " + url.length() + "-character URL",
                List.of(traceId + " 1 " + url, traceId + " 0 " + url), seen);
    }

    static final int URL_LENGTH = 300;
    static final int MARKER_SNAPLEN = 1024;

    private static Long number(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }

    /**
     * A write and a writev of BYTES bytes each to a file, then to a loopback TCP connection (read whole on the other
     * side): 'f' and 'g' to the file, 's' and 't' to the socket.
     */
    static void writeFileAndSocket(Path file) throws Exception {
        try (OutputStream f = new FileOutputStream(file.toFile())) {
            f.write(filled('f', BYTES));
        }
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.APPEND)) {
            f.write(halves('g'));
        }
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SocketChannel client = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
                Socket accepted = server.accept()) {
            OutputStream os = client.socket().getOutputStream();
            os.write(filled('s', BYTES));
            os.flush();
            long written = 0;
            ByteBuffer[] halves = halves('t');
            while (written < BYTES) {
                written += client.write(halves);
            }
            InputStream in = accepted.getInputStream();
            byte[] buffer = new byte[8192];
            int read = 0;
            while (read < 2 * BYTES) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            assertEquals("bytes the server side read", 2 * BYTES, read);
        }
    }

    private static byte[] filled(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** BYTES bytes of c as two buffers of half each: one writev. */
    private static ByteBuffer[] halves(char c) {
        return new ByteBuffer[] {ByteBuffer.wrap(filled(c, BYTES / 2)), ByteBuffer.wrap(filled(c, BYTES / 2))};
    }
}
