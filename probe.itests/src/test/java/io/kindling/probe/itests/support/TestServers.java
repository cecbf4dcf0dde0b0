package io.kindling.probe.itests.support;

import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real servers for the request tests, each a plain process of the test's own on a free loopback port with a data
 * folder of its own (never the system's service), stopped by {@link #close()}: nginx, redis-server, dnsmasq,
 * MariaDB and PostgreSQL from the Debian packages that bin/setup installs.
 */
public final class TestServers implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<Runnable> stops = new ArrayList<>();

    /** The ports handed out in this JVM: a server started on one has not always bound it when the next is asked for. */
    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

    /**
     * A free loopback port (TCP; also free for UDP in practice, where the test binds it right away), never one
     * handed out before in this JVM: the kernel may offer a port again until the server it was meant for binds it.
     */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                synchronized (HANDED_OUT) {
                    if (HANDED_OUT.add(s.getLocalPort())) {
                        return s.getLocalPort();
                    }
                }
            }
        }
        throw new IOException("no loopback port that was not handed out before in 100 attempts");
    }

    /** Skips the test when one of these programs is missing (bin/setup installs them). */
    public static void require(String... programs) {
        for (String p : programs) {
            assumeTrue(p + " is not installed (bin/setup installs it): the test is skipped", Files.isExecutable(Path.of(p)));
        }
    }

    /** Starts a server; its output goes to {@code log}. */
    public Process start(Path log, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** Runs a command to its end, failing with its output when it fails. */
    public static String run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String text = new String(out, java.nio.charset.StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited with " + p.exitValue() + ":\n" + text);
        }
        return text;
    }

    /** Runs a command to its end and returns its output, whatever its exit status. */
    public static String runAnyway(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Something to do at {@link #close()} (before the processes are stopped). */
    public void onClose(Runnable stop) {
        synchronized (stops) {
            stops.add(stop);
        }
    }

    /** Waits until the TCP port accepts connections. */
    public static void awaitPort(int port, Process server, long seconds) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (!server.isAlive()) {
                throw new IOException("the server on port " + port + " ended with " + server.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("nothing listens on port " + port + " after " + seconds + " s");
    }

    @Override
    public void close() {
        synchronized (stops) {
            for (Runnable r : stops) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    System.err.println("stopping a test server: " + e);
                }
            }
        }
        synchronized (processes) {
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                try {
                    if (!p.waitFor(20, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
