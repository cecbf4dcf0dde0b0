package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * TCP segments that the kernel drops, forced in a network namespace of its own (loopback up), each kind
 * counted by the namespace's own counters ({@code nstat}):
 * <ul>
 * <li>SYNs to a port nobody listens on (three connects refused): dropped for want of a socket, each answered
 * by a reset ({@code TcpOutRsts});</li>
 * <li>data that arrives after the receiving end shut its socket down in both directions (three connections:
 * the server calls {@code shutdownInput} and {@code shutdownOutput}, then the client writes a byte): the
 * kernel drops the segment and resets the connection ({@code TcpExtTCPAbortOnData}).</li>
 * </ul>
 * Kernel TCP listen overflows ({@code TcpExtListenOverflows}) are not among them: this kernel frees a SYN that
 * a full accept queue refuses as consumed, not dropped, so that no {@code skb:kfree_skb} reports it.
 */
public final class DropWorkload {
    static final int COUNT = 3;

    public static void main(String[] args) throws Exception {
        LiveTcpEventsIT.RetransmitWorkload.check(LiveTcpEventsIT.run("ip", "link", "set", "lo", "up"));
        long rstsBefore = nstat("TcpOutRsts");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        for (int i = 0; i < COUNT; i++) {
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", closed));
                throw new IllegalStateException("port " + closed + " accepted a connection");
            } catch (ConnectException refused) {
                // the reset
            }
        }
        long rsts = nstat("TcpOutRsts") - rstsBefore;
        long abortBefore = nstat("TcpExtTCPAbortOnData");
        List<Integer> clients = new ArrayList<>();
        int port;
        try (ServerSocket server = new ServerSocket(0, COUNT, InetAddress.getByName("127.0.0.1"))) {
            port = server.getLocalPort();
            for (int i = 0; i < COUNT; i++) {
                clients.add(dataAfterShutdown(server, abortBefore + i));
            }
        }
        long aborts = nstat("TcpExtTCPAbortOnData") - abortBefore;
        System.out.println("refused_port=" + closed + " refused=" + COUNT + " nstat_outrsts=" + rsts + " abort_port=" + port
                + " abort_clients=" + clients.stream().map(String::valueOf).collect(Collectors.joining(",")) + " nstat_abort="
                + aborts);
    }

    /** One connection whose server end shuts down both ways before the client writes a byte; the client's port. */
    static int dataAfterShutdown(ServerSocket server, long abortsSoFar) throws Exception {
        try (Socket c = new Socket("127.0.0.1", server.getLocalPort()); Socket s = server.accept()) {
            s.shutdownInput();
            s.shutdownOutput();
            if (c.getInputStream().read() != -1) {
                throw new IllegalStateException("the server's end sent data");
            }
            c.getOutputStream().write(1);
            for (int i = 0; i < 500 && nstat("TcpExtTCPAbortOnData") <= abortsSoFar; i++) {
                Thread.sleep(10); // the segment reaches the server's end
            }
            return c.getLocalPort();
        }
    }

    static long nstat(String counter) throws Exception {
        Matcher m = Pattern.compile(counter + "\\s+(\\d+)").matcher(LiveTcpEventsIT.run("nstat", "-saz", counter));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * The probe's {@code tcp_drop} events against the workload's report: per kind, as many drops of segments
     * to the socket's port (the local end of a dropped segment's tuple) as the namespace's counter says, each
     * kind with one reason of its own.
     */
    static void assertDrops(List<Map<String, Object>> events, String report) throws IOException {
        Matcher m = Pattern.compile("refused_port=(\\d+) refused=(\\d+) nstat_outrsts=(\\d+) abort_port=(\\d+) "
                + "abort_clients=([\\d,]+) nstat_abort=(\\d+)").matcher(report);
        assertTrue(report, m.find());
        int refusedPort = Integer.parseInt(m.group(1));
        long rsts = Long.parseLong(m.group(3));
        int abortPort = Integer.parseInt(m.group(4));
        List<Long> clients = Pattern.compile(",").splitAsStream(m.group(5)).map(Long::valueOf).toList();
        long aborts = Long.parseLong(m.group(6));
        List<Map<String, Object>> drops = events.stream().filter(e -> LiveTcpEventsIT.isKernel(e, "tcp_drop")).toList();
        List<Map<String, Object>> noSocket = drops.stream().filter(e -> LiveTcpEventsIT.attr(e, "sport") == refusedPort).toList();
        List<Map<String, Object>> onData = drops.stream().filter(e -> LiveTcpEventsIT.attr(e, "sport") == abortPort
                && clients.contains(LiveTcpEventsIT.attr(e, "dport"))).toList();
        System.out.println("LIVE TCP drops in the namespace: SYNs to closed port " + refusedPort + ": probe " + noSocket.size()
                + " tcp_drop (reasons " + reasons(noSocket) + "), nstat TcpOutRsts " + rsts + "; data after shutdown on port "
                + abortPort + ": probe " + onData.size() + " tcp_drop (reasons " + reasons(onData)
                + "), nstat TcpExtTCPAbortOnData " + aborts + "; tcp_drop events in all " + drops.size());
        assertEquals("refused SYNs, nstat", COUNT, rsts);
        assertEquals("segments dropped for want of a socket, probe vs nstat TcpOutRsts", rsts, noSocket.size());
        assertEquals("data after shutdown, nstat", COUNT, aborts);
        assertEquals("segments dropped after shutdown, probe vs nstat TcpExtTCPAbortOnData", aborts, onData.size());
        assertEquals("one reason per kind: " + reasons(noSocket), 1, reasons(noSocket).size());
        assertEquals("one reason per kind: " + reasons(onData), 1, reasons(onData).size());
        assertTrue("two kinds, two reasons", !reasons(noSocket).equals(reasons(onData)));
    }

    static java.util.Set<Long> reasons(List<Map<String, Object>> drops) {
        return drops.stream().map(e -> LiveTcpEventsIT.attr(e, "reason")).collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
