package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Kindling's kernel TCP events through the probe command, live, on this machine's kernel, against TCP
 * workloads this test starts on loopback: connections that exchange data (each socket's state changes in
 * order, its kernel close with an RTT that agrees with {@code ss -ti} for the same connection, the
 * converter's two closes, client and server, with their bytes and joined with it; the JDK's sockets are
 * dual-stack, and two of the clients are closed while a thread is blocked in a read, which the JDK does with a
 * dup2 onto the fd), a connection to a closed port (the reset sent and received, the connect's return value),
 * retransmits forced in a network namespace of the test's own (loopback down for 700 ms while data is in
 * flight: this kernel has no netem), counted against the namespace's {@code nstat} and {@code ss -ti}, and
 * drops forced in another one ({@link DropWorkload}), counted against its {@code nstat}. Then, in the shell, subscribing and unsubscribing while live attaches
 * and detaches the kernel programs (the probe process's BPF links counted). The probe runs in a mount
 * namespace with its own {@code /dev/shm}, so that a live capture elsewhere on the machine does not
 * refuse it.
 */
public class LiveTcpEventsIT {

    static final List<String> SUBSCRIPTIONS = List.of("kprobe-tcp_close", "kprobe-tcp_rcv_established", "kprobe-tcp_drop",
            "kprobe-tcp_retransmit_skb", "kretprobe-tcp_connect", "tracepoint-tcp_send_reset",
            "tracepoint-tcp_receive_reset", "tracepoint-inet_sock_set_state", "conn_close");

    /**
     * The names the kernel events are delivered with, Kindling's (its probe's kind left out, the socket state
     * change as {@code tcp_set_state}), and the source each comes with.
     */
    static final Map<String, String> KERNEL_SOURCES = Map.of("tcp_close", "kprobe", "tcp_rcv_established", "kprobe",
            "tcp_drop", "kprobe", "tcp_retransmit_skb", "kprobe", "tcp_connect", "kretprobe", "tcp_send_reset", "tracepoint",
            "tcp_receive_reset", "tracepoint", "tcp_set_state", "tracepoint");

    static final int ESTABLISHED = 1;
    static final int SYN_SENT = 2;
    static final int CLOSE = 7;

    /** The command in a mount namespace with its own /dev/shm and /run/kindling (the live lock) (as root; otherwise as it is). */
    static List<String> privateShm(List<String> command) {
        List<String> c = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs kindling-it /dev/shm && mkdir -p /run/kindling && mount -t tmpfs -o mode=0755 kindling-it-run"
                        + " /run/kindling && exec \"$0\" \"$@\""));
        c.addAll(command);
        return c;
    }

    /** The probe command in a mount namespace of its own ({@link #privateShm}); its output in {@code work}/stdout and stderr. */
    static Process startProbe(Path work, List<String> command) throws IOException {
        return new ProcessBuilder(privateShm(command)).redirectOutput(work.resolve("stdout").toFile())
                .redirectError(work.resolve("stderr").toFile()).start();
    }

    /** Ctrl-C, and the probe's end within a minute. */
    static void stopProbe(Process probe, Path stderr) throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(probe.pid())).start().waitFor();
        if (!probe.waitFor(60, TimeUnit.SECONDS)) {
            fail("the live probe did not end on SIGINT:\n" + Files.readString(stderr));
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A client and the server's end of one loopback connection, what {@code ss -ti} said of the client, the
     * bytes the client sent (and received: the same), and whether a thread was blocked in a read of the client
     * socket when it was closed (the JDK then ends it with a dup2 of its pre-close socket onto the fd).
     */
    record Conn(int clientPort, int serverPort, double ssRttMillis, long bytes, boolean blockedRead) {}

    @Test
    public void kernelTcpEventsMatchTheWorkloadsSsAndNstat() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/tcp");
        Path out = work.resolve("events.jsonl");
        Files.deleteIfExists(out);
        List<String> command = new ArrayList<>(List.of(java(), "-jar", ProbeProcess.probeJar().toString(), "live",
                "--duration", "120s", "--sink", "jsonl:" + out));
        for (String s : SUBSCRIPTIONS) {
            command.add("--subscribe");
            command.add(s);
        }
        Path stderr = work.resolve("stderr");
        Process probe = startProbe(work, command);
        List<Conn> conns = new ArrayList<>();
        int refusedPort;
        int refusedClient;
        String netns;
        String dropReport;
        try {
            awaitKernelEvents(probe, out, stderr);
            for (int i = 0; i < 5; i++) {
                conns.add(exchange(20, false));
            }
            for (int i = 0; i < 2; i++) {
                conns.add(exchange(10, true));
            }
            int[] refused = refusedConnect();
            refusedPort = refused[0];
            refusedClient = refused[1];
            netns = inNamespace(work, RetransmitWorkload.class, "netns.txt");
            dropReport = inNamespace(work, DropWorkload.class, "netns-drops.txt");
            Thread.sleep(2500); // the kernel's closes and the joined closes reach the sink
            stopProbe(probe, stderr);
        } finally {
            probe.destroyForcibly();
        }
        String summary = Files.readString(stderr);
        System.out.println("LIVE TCP summary:\n" + summary);
        assertTrue(summary, summary.contains("kernel tcp"));
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            events.add(Json.object(line));
        }
        // delivered as Kindling delivers them: its names and sources; the converter's closes under a name of their own
        for (Map<String, Object> e : events) {
            Object name = e.get("name");
            assertTrue("a delivered name: " + e, KERNEL_SOURCES.containsKey(name) ? isKernel(e, (String) name)
                    : "conn_close".equals(name) && "net".equals(e.get("category")));
        }

        // normal connections: per socket, the state changes in order, one kernel close with an RTT, the joined close
        for (Conn c : conns) {
            List<Integer> client = states(events, c.clientPort, c.serverPort);
            List<Integer> server = states(events, c.serverPort, c.clientPort);
            System.out.println("LIVE TCP connection " + c + ": client states " + client + ", server states " + server);
            assertTrue("client " + c + " states " + client, client.size() >= 3 && client.get(0) == SYN_SENT
                    && client.get(1) == ESTABLISHED && client.get(client.size() - 1) == CLOSE);
            assertTrue("server " + c + " states " + server, server.contains(ESTABLISHED)
                    && server.get(server.size() - 1) == CLOSE);
            List<Map<String, Object>> clientClose = kernel(events, "tcp_close", c.clientPort, c.serverPort);
            List<Map<String, Object>> serverClose = kernel(events, "tcp_close", c.serverPort, c.clientPort);
            assertEquals("tcp_close of the client " + c, 1, clientClose.size());
            assertEquals("tcp_close of the server " + c, 1, serverClose.size());
            long rtt = attr(clientClose.get(0), "rtt");
            double ssMicros = c.ssRttMillis * 1000;
            System.out.println("LIVE TCP rtt of " + c + ": probe " + rtt + " us, ss -ti " + ssMicros + " us");
            // both are smoothed RTTs of the same loopback socket; the kernel's at its close has the FIN exchange too
            assertTrue("rtt " + rtt + " us vs ss " + ssMicros + " us", rtt > 0 && rtt < 100_000 && ssMicros > 0
                    && rtt <= Math.max(10 * ssMicros, ssMicros + 1000) && rtt * 10 >= Math.min(ssMicros, 1000));
            assertEquals("tcp_connect of " + c, 1, kernel(events, "tcp_connect", c.clientPort, c.serverPort).size());
            assertEquals(0, attr(kernel(events, "tcp_connect", c.clientPort, c.serverPort).get(0), "retval"));
            assertJoinedCloses(events, c);
        }
        long rcv = events.stream().filter(e -> isKernel(e, "tcp_rcv_established")).count();
        assertTrue("tcp_rcv_established events: " + rcv, rcv >= conns.size() * 20L);

        // the closed port: the reset sent by the closed port's side, received by the client; the SYN went out
        List<Map<String, Object>> sent = kernel(events, "tcp_send_reset", refusedPort, refusedClient);
        List<Map<String, Object>> received = kernel(events, "tcp_receive_reset", refusedClient, refusedPort);
        List<Map<String, Object>> connect = kernel(events, "tcp_connect", refusedClient, refusedPort);
        System.out.println("LIVE TCP closed port " + refusedPort + " from " + refusedClient + ": send_reset " + sent.size()
                + ", receive_reset " + received.size() + ", tcp_connect " + connect.size());
        assertEquals(1, sent.size());
        assertEquals(1, received.size());
        assertEquals(1, connect.size());
        assertEquals(0, attr(connect.get(0), "retval"));

        // retransmits in the namespace: the probe's count against nstat and ss -ti
        Matcher m = Pattern.compile("client=(\\d+) server=(\\d+) nstat_retrans=(\\d+) ss_retrans=(\\d+)").matcher(netns);
        assertTrue(netns, m.find());
        int cp = Integer.parseInt(m.group(1));
        int sp = Integer.parseInt(m.group(2));
        long nstat = Long.parseLong(m.group(3));
        long ssRetrans = Long.parseLong(m.group(4));
        List<Map<String, Object>> retrans = kernel(events, "tcp_retransmit_skb", cp, sp);
        long segs = retrans.stream().mapToLong(e -> attr(e, "segs")).sum();
        List<Map<String, Object>> nsClose = kernel(events, "tcp_close", cp, sp);
        long drops = events.stream().filter(e -> isKernel(e, "tcp_drop")).count();
        System.out.println("LIVE TCP retransmits in the namespace (" + cp + " -> " + sp + "): probe " + retrans.size()
                + " events, " + segs + " segments; nstat TcpRetransSegs " + nstat + ", ss -ti retrans " + ssRetrans
                + "; kernel close total_retrans " + (nsClose.isEmpty() ? "none" : attr(nsClose.get(0), "total_retrans"))
                + "; tcp_drop events " + drops);
        assertTrue("retransmits were forced: " + netns, nstat > 0);
        assertEquals("retransmitted segments, probe vs nstat", nstat, segs);
        assertEquals("retransmitted segments, probe vs ss -ti", ssRetrans, segs);
        assertEquals(1, nsClose.size());
        assertEquals(ssRetrans, attr(nsClose.get(0), "total_retrans"));
        DropWorkload.assertDrops(events, dropReport);
        Map<String, Object> joined = events.stream().filter(e -> "conn_close".equals(e.get("name"))
                && fdPort(e, "sport") == cp && "client".equals(((Map<?, ?>) e.get("attributes")).get("side"))
                && "java".equals(((Map<?, ?>) e.get("thread")).get("comm"))).findFirst()
                .orElseThrow(() -> new AssertionError("no converter close of the namespace's client"));
        assertEquals(ssRetrans, ((Number) ((Map<?, ?>) joined.get("attributes")).get("retransmits")).longValue());
    }

    /**
     * The default suppressed process names ({@code containerd}, ...) cover the kernel TCP events of their threads as they
     * cover their system calls: a client whose command is {@code containerd} (busybox's nc started through a link of that
     * name) connects to a loopback server, and neither its connect nor, where the kernel runs fentry/fexit programs, its
     * kernel tcp_connect (in its own context) reach the sink; the same client under another name is delivered. Under
     * lockdown the kernel events come from tracepoints in kernel contexts, belong to no thread and are delivered for both.
     */
    @Test
    public void kernelTcpEventsOfASuppressedCommandAreSuppressedToo() throws Exception {
        LiveEnvironment.requireLive();
        org.junit.Assume.assumeTrue("no /bin/busybox (Debian's busybox-static) for the clients", Files.isExecutable(Path.of("/bin/busybox")));
        Path work = TestEnvironment.workDir("live/tcp-suppressed");
        Path out = work.resolve("events.jsonl");
        Files.deleteIfExists(out);
        Path bin = Files.createDirectories(work.resolve("bin"));
        for (String name : List.of("containerd", "kp-tcp-client")) {
            Files.deleteIfExists(bin.resolve(name));
            Files.createSymbolicLink(bin.resolve(name), Path.of("/bin/busybox"));
        }
        List<String> command = new ArrayList<>(List.of(java(), "-jar", ProbeProcess.probeJar().toString(), "live",
                "--duration", "120s", "--sink", "jsonl:" + out));
        for (String s : List.of("kretprobe-tcp_connect", "kprobe-tcp_close", "tracepoint-inet_sock_set_state", "syscall_exit-connect")) {
            command.add("--subscribe");
            command.add(s);
        }
        Path stderr = work.resolve("stderr");
        Process probe = startProbe(work, command);
        int[] suppressed;
        int[] delivered;
        try {
            awaitKernelEvents(probe, out, stderr);
            suppressed = connectAs(bin.resolve("containerd"));
            delivered = connectAs(bin.resolve("kp-tcp-client"));
            Thread.sleep(2500);
            stopProbe(probe, stderr);
        } finally {
            probe.destroyForcibly();
        }
        String summary = Files.readString(stderr);
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            events.add(Json.object(line));
        }
        List<Map<String, Object>> ofContainerd = events.stream().filter(e -> "containerd".equals(comm(e))).toList();
        List<Map<String, Object>> ofClient = events.stream().filter(e -> "kp-tcp-client".equals(comm(e))).toList();
        System.out.println("LIVE TCP suppressed command: client ports containerd " + suppressed[0] + ", kp-tcp-client " + delivered[0]
                + "; events of containerd " + ofContainerd.size() + ", of kp-tcp-client " + ofClient.size() + " "
                + ofClient.stream().map(e -> e.get("name")).toList() + "\n" + summary);
        assertTrue("the kp-tcp-client's connect: " + ofClient, ofClient.stream().anyMatch(e -> "connect".equals(e.get("name"))
                && "syscall_exit".equals(e.get("source"))));
        assertEquals("events delivered of the suppressed command containerd", List.of(), ofContainerd);
        List<Map<String, Object>> clientConnect = kernel(events, "tcp_connect", delivered[0], delivered[1]);
        List<Map<String, Object>> suppressedConnect = kernel(events, "tcp_connect", suppressed[0], suppressed[1]);
        assertEquals("tcp_connect of the client named kp-tcp-client", 1, clientConnect.size());
        if (clientConnect.get(0).get("thread") != null) {
            // fexit/tcp_connect: the event is the connecting thread's, and follows its suppression
            assertEquals("kp-tcp-client", comm(clientConnect.get(0)));
            assertEquals("tcp_connect of the client named containerd", List.of(), suppressedConnect);
        } else {
            // a kernel that refuses fentry/fexit (lockdown): tcp_connect comes from the socket's state change, in a kernel
            // context that may be no task of the connection; it belongs to no thread, so no suppressed name covers it
            assertEquals("tcp_connect of the client named containerd, from a kernel context", 1, suppressedConnect.size());
            assertEquals("a kernel context's tcp_connect has no thread: " + suppressedConnect, null, suppressedConnect.get(0).get("thread"));
        }
        Matcher m = Pattern.compile("suppressed (\\d+)").matcher(summary);
        assertTrue("the summary counts suppressed events:\n" + summary, m.find() && Long.parseLong(m.group(1)) > 0);
    }

    /**
     * Busybox's nc, started through {@code link} (its command is the link's name), connects to a loopback server
     * that writes a line and closes; returns the client's port and the server's.
     */
    static int[] connectAs(Path link) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Process nc = new ProcessBuilder("/bin/bash", "-c", "exec -a nc \"$0\" 127.0.0.1 \"$1\" </dev/null", link.toString(),
                    Integer.toString(server.getLocalPort())).redirectErrorStream(true).start();
            server.setSoTimeout(30_000);
            int client;
            try (Socket accepted = server.accept()) {
                client = accepted.getPort();
                accepted.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
            }
            String said = new String(nc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("nc through " + link + " did not end", nc.waitFor(30, TimeUnit.SECONDS));
            assertTrue("nc through " + link + " said: " + said, said.contains("bye"));
            return new int[] {client, server.getLocalPort()};
        }
    }

    static String comm(Map<String, Object> e) {
        Object t = e.get("thread");
        return t instanceof Map<?, ?> m && m.get("comm") instanceof String c ? c : "";
    }

    @Test
    public void subscribingWhileLiveAttachesAndDetachesTheKernelPrograms() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/tcp-attach");
        Path data = work.resolve("data");
        Path out = work.resolve("events.jsonl");
        Path shellJar = ProbeProcess.probeJar().resolveSibling("shell-" + ProcessHandle.current().pid() + ".jar");
        Files.copy(TestEnvironment.probeJar().resolveSibling("shell.jar"), shellJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        shellJar.toFile().deleteOnExit();
        Files.createDirectories(data.resolve("deploy"));
        Files.createDirectories(data.resolve("config"));
        Process shell = new ProcessBuilder(privateShm(List.of(java(), "-Djna.nosys=true", "-Dkindling.data=" + data,
                "-Dlaunch.storage.dir=" + data.resolve("framework"), "-Dlaunch.keep=true",
                "-Dfelix.fileinstall.dir=" + data.resolve("deploy") + "," + data.resolve("config"), "-jar", shellJar.toString(),
                "shell", "--data", data.toString(), "--sink", "jsonl:" + out))).redirectOutput(work.resolve("stdout").toFile())
                .redirectError(work.resolve("stderr").toFile()).start();
        try (Writer in = new java.io.OutputStreamWriter(shell.getOutputStream(), StandardCharsets.UTF_8)) {
            command(in, "subscribe syscall_exit-connect");
            command(in, "live");
            command(in, "start");
            int base = awaitLinks(shell, n -> n > 0, "the syscall programs attached");
            command(in, "subscribe kprobe-tcp_close");
            int one = awaitLinks(shell, n -> n == base + 1, "one more link after subscribing kprobe-tcp_close (base " + base + ")");
            command(in, "subscribe tracepoint-inet_sock_set_state");
            int two = awaitLinks(shell, n -> n == base + 2, "two more links with tracepoint-inet_sock_set_state too");
            command(in, "unsubscribe kprobe-tcp_close");
            int back = awaitLinks(shell, n -> n == base + 1, "one link less after unsubscribing kprobe-tcp_close");
            command(in, "unsubscribe tracepoint-inet_sock_set_state");
            int none = awaitLinks(shell, n -> n == base, "the kernel programs detached");
            System.out.println("LIVE TCP links of the probe: " + base + " (syscalls), +kprobe-tcp_close " + one
                    + ", +inet_sock_set_state " + two + ", -kprobe-tcp_close " + back + ", -inet_sock_set_state " + none);
            command(in, "stop");
            command(in, "exit");
        } finally {
            if (!shell.waitFor(60, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        }
    }

    static void command(Writer in, String line) throws IOException {
        in.write(line + "\n");
        in.flush();
    }

    /** BPF links the process holds (its fds of type bpf-link), polled until {@code ok} or 30 s. */
    static int awaitLinks(Process p, Predicate<Integer> ok, String what) throws Exception {
        int n = -1;
        for (int i = 0; i < 300; i++) {
            n = links(p.toHandle());
            if (ok.test(n)) {
                return n;
            }
            if (!p.isAlive()) {
                fail("the shell ended: " + what);
            }
            Thread.sleep(100);
        }
        fail(what + ": " + n + " links");
        return n;
    }

    /** The java process under unshare/sh (exec keeps the pid): its bpf-link fds. */
    static int links(ProcessHandle h) throws IOException {
        int n = 0;
        Path fds = Path.of("/proc", Long.toString(h.pid()), "fd");
        try (var list = Files.list(fds)) {
            for (Path fd : list.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf_link")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }

    /** Opens loopback connections until a kernel event reaches the sink: the probe reads live then. */
    static void awaitKernelEvents(Process probe, Path out, Path stderr) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (Files.exists(out) && Files.size(out) > 0) {
                return;
            }
            if (!probe.isAlive()) {
                fail("the live probe ended:\n" + Files.readString(stderr));
            }
            exchange(1, false);
            Thread.sleep(100);
        }
        fail("no kernel TCP event within a minute:\n" + Files.readString(stderr));
    }

    /**
     * The converter's closes of connection {@code c} by this JVM (a process it spawns meanwhile closes the sockets
     * it inherited: closes of their own): the client's end (dual-stack: the JDK's sockets are IPv6 ones connected to
     * an IPv4-mapped address) and the server's, each with its bytes and the kernel's figures joined.
     */
    static void assertJoinedCloses(List<Map<String, Object>> events, Conn c) {
        List<Map<String, Object>> joined = events.stream().filter(e -> "conn_close".equals(e.get("name"))
                && fdPort(e, "sport") == c.clientPort && fdPort(e, "dport") == c.serverPort && pid(e) == SELF).toList();
        System.out.println("LIVE TCP converter closes of " + c + " by this process: " + joined);
        assertEquals("converter closes of " + c + ": " + joined, 2, joined.size());
        for (String side : List.of("client", "server")) {
            Map<?, ?> a = (Map<?, ?>) joined.stream().filter(j -> side.equals(((Map<?, ?>) j.get("attributes")).get("side")))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + side + " close of " + c + ": " + joined)).get("attributes");
            assertEquals(side + " bytes_sent of " + c, c.bytes, ((Number) a.get("bytes_sent")).longValue());
            assertEquals(side + " bytes_received of " + c, c.bytes, ((Number) a.get("bytes_received")).longValue());
            assertNotNull(side + " rtt joined into " + a, a.get("rtt"));
            assertEquals(0L, ((Number) a.get("retransmits")).longValue());
            assertEquals(Boolean.FALSE, a.get("reset"));
        }
    }

    /**
     * One connection with {@code rounds} request/response exchanges; ss -ti asked before the close. With
     * {@code blockedRead}, a thread is blocked in a read of the client socket when it is closed.
     */
    static Conn exchange(int rounds, boolean blockedRead) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Socket client = new Socket();
            client.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()));
            Socket accepted = server.accept();
            byte[] buf = new byte[100];
            OutputStream co = client.getOutputStream();
            InputStream ci = client.getInputStream();
            OutputStream so = accepted.getOutputStream();
            InputStream si = accepted.getInputStream();
            for (int r = 0; r < rounds; r++) {
                co.write(buf);
                si.readNBytes(buf.length);
                so.write(buf);
                ci.readNBytes(buf.length);
            }
            String ss = run("ss", "-tinH", "state", "established", "( sport = :" + client.getLocalPort() + " )");
            Matcher m = Pattern.compile("rtt:([0-9.]+)/").matcher(ss);
            double rtt = m.find() ? Double.parseDouble(m.group(1)) : -1;
            Conn c = new Conn(client.getLocalPort(), server.getLocalPort(), rtt, 100L * rounds, blockedRead);
            if (blockedRead) {
                closeWhileRead(client);
            }
            client.close();
            si.readAllBytes();
            accepted.close();
            return c;
        }
    }

    /** Closes the socket while another thread is blocked in a read of it. */
    static void closeWhileRead(Socket client) throws Exception {
        Thread reader = new Thread(() -> {
            try {
                client.getInputStream().read();
            } catch (IOException closed) {
                // the socket closed under the read, as intended
            }
        }, "blocked-reader");
        reader.start();
        while (reader.getState() != Thread.State.RUNNABLE || !isInRead(reader)) {
            Thread.sleep(1);
        }
        Thread.sleep(50);
        client.close();
        reader.join(10_000);
    }

    static boolean isInRead(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getMethodName().contains("read") && f.getClassName().contains("NioSocketImpl")) {
                return true;
            }
        }
        return false;
    }

    /** A connect to a loopback port that nobody listens on: {closed port, client port}. */
    static int[] refusedConnect() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Socket client = new Socket();
        client.bind(new InetSocketAddress("127.0.0.1", 0));
        int local = client.getLocalPort();
        try {
            client.connect(new InetSocketAddress("127.0.0.1", port));
            fail("port " + port + " accepted a connection");
        } catch (java.net.ConnectException expected) {
            // refused: the reset
        } finally {
            client.close();
        }
        return new int[] {port, local};
    }

    /** Runs {@code workload} (its main) in a new network namespace; returns its report, also written to {@code file}. */
    static String inNamespace(Path work, Class<?> workload, String file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/unshare", "--net", java(), "-cp", System.getProperty("java.class.path"),
                workload.getName()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("the namespace workload did not end", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("the namespace workload:\n" + text, 0, p.exitValue());
        Files.writeString(work.resolve(file), text);
        return text;
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return text;
    }

    /**
     * In a network namespace of its own: loopback up, a connection, loopback down for 700 ms while 64 KiB
     * are in flight, up again; prints the ports, the namespace's TcpRetransSegs (nstat) and the client's
     * total retransmits (ss -ti).
     */
    public static final class RetransmitWorkload {
        public static void main(String[] args) throws Exception {
            check(run("ip", "link", "set", "lo", "up"));
            long before = nstat();
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                Socket client = new Socket("127.0.0.1", server.getLocalPort());
                Socket accepted = server.accept();
                client.getOutputStream().write(new byte[1000]);
                accepted.getInputStream().readNBytes(1000);
                check(run("ip", "link", "set", "lo", "down"));
                client.getOutputStream().write(new byte[64 * 1024]);
                Thread.sleep(700);
                check(run("ip", "link", "set", "lo", "up"));
                accepted.getInputStream().readNBytes(64 * 1024);
                String ss = run("ss", "-tinH", "( sport = :" + client.getLocalPort() + " )");
                Matcher m = Pattern.compile("retrans:\\d+/(\\d+)").matcher(ss);
                long ssRetrans = m.find() ? Long.parseLong(m.group(1)) : 0;
                long after = nstat();
                System.out.println("client=" + client.getLocalPort() + " server=" + server.getLocalPort() + " nstat_retrans="
                        + (after - before) + " ss_retrans=" + ssRetrans + " ss: " + ss.strip());
                client.close();
                accepted.getInputStream().readAllBytes();
                accepted.close();
                Thread.sleep(300);
            }
        }

        static void check(String out) {
            if (!out.isBlank()) {
                throw new IllegalStateException(out);
            }
        }

        static long nstat() throws Exception {
            Matcher m = Pattern.compile("TcpRetransSegs\\s+(\\d+)").matcher(run("nstat", "-saz", "TcpRetransSegs"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }
    }

    // ---- reading the events

    /** The kernel events delivered as {@code name} (Kindling's name, with its source) of the endpoints. */
    static List<Map<String, Object>> kernel(List<Map<String, Object>> events, String name, int sport, int dport) {
        return events.stream().filter(e -> isKernel(e, name) && attr(e, "sport") == sport && attr(e, "dport") == dport)
                .toList();
    }

    /** A kernel event delivered with Kindling's {@code name} and the source Kindling gives it. */
    static boolean isKernel(Map<String, Object> e, String name) {
        return name.equals(e.get("name")) && KERNEL_SOURCES.get(name).equals(e.get("source"));
    }

    /**
     * The states of the socket whose local port is {@code sport}, in timestamp order: the old state of its
     * first change, then each new state (a client's change into SYN_SENT comes before its port is chosen).
     */
    static List<Integer> states(List<Map<String, Object>> events, int sport, int dport) {
        List<Map<String, Object>> list = new ArrayList<>(kernel(events, "tcp_set_state", sport, dport));
        list.sort((a, b) -> Long.compare(((Number) a.get("timestamp")).longValue(), ((Number) b.get("timestamp")).longValue()));
        List<Integer> states = new ArrayList<>();
        for (Map<String, Object> e : list) {
            if (states.isEmpty()) {
                states.add((int) attr(e, "old_state"));
            }
            states.add((int) attr(e, "new_state"));
        }
        return states;
    }

    static long attr(Map<String, Object> e, String key) {
        Object v = ((Map<?, ?>) e.get("attributes")).get(key);
        return v instanceof Number n ? n.longValue() : -1;
    }

    static final long SELF = ProcessHandle.current().pid();

    static long pid(Map<String, Object> e) {
        Object t = e.get("thread");
        Object v = t instanceof Map<?, ?> m ? m.get("pid") : null;
        return v instanceof Number n ? n.longValue() : -1;
    }

    static long fdPort(Map<String, Object> e, String key) {
        Object fd = e.get("fd");
        Object v = fd instanceof Map<?, ?> m ? m.get(key) : null;
        return v instanceof Number n ? n.longValue() : -1;
    }
}
