package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.itests.LiveCaptureIT.LiveProbe;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * A live probe is a root daemon that holds every process's data: no other local user may read or
 * write its udig ring or take its lock, files it writes are its user's alone, it runs with exactly
 * the capabilities the README lists (as an unprivileged user too, seeing what root sees), and keeps
 * only those it still needs once capturing. Each test runs the real command; "another user" is
 * {@code nobody} (uid 65534) through {@code setpriv}.
 */
public class LiveSafetyIT {

    static final String NOBODY = "65534";
    /** CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39). */
    static final long KEPT_CAPABILITIES = (1L << 2) | (1L << 19) | (1L << 38) | (1L << 39);
    static final String LISTED_CAPABILITIES = "+bpf,+perfmon,+sys_ptrace,+dac_read_search";
    static final Path UDIG_BUF = Path.of("/dev/shm/udig_buf");
    static final Path UDIG_DESCS = Path.of("/dev/shm/udig_descs");
    static final Path LOCK = Path.of("/run/kindling/live.lock");

    /** Runs a shell command as nobody, without capabilities; returns its exit status and output. */
    static String asNobody(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "sh", "-c", script)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return "exit " + p.exitValue() + ": " + out.strip();
    }

    static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " uid "
                + Files.getAttribute(p, "unix:uid");
    }

    @Test
    public void theRingTheLockAndTheFilesAreTheProbesAlone() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/safety");
        Path events = work.resolve("events.jsonl");
        Path capture = work.resolve("live.scap");
        Files.deleteIfExists(events);
        Files.deleteIfExists(capture);
        try (LiveProbe probe = new LiveProbe(work, List.of(), List.of("--duration", "120s", "--sink", "jsonl:" + events,
                "--write", capture.toString()))) {
            String capturing = probe.awaitCapturing();
            System.out.println("LIVE safety: " + capturing);
            System.out.println("LIVE safety: " + UDIG_BUF + " " + permissions(UDIG_BUF) + ", " + UDIG_DESCS + " "
                    + permissions(UDIG_DESCS) + ", " + LOCK + " " + permissions(LOCK));
            assertEquals("rw------- uid 0", permissions(UDIG_BUF));
            assertEquals("rw------- uid 0", permissions(UDIG_DESCS));
            assertEquals("rw------- uid 0", permissions(LOCK));
            String read = asNobody("exec 3< " + UDIG_BUF);
            String write = asNobody("exec 3<> " + UDIG_DESCS);
            String lock = asNobody("flock -n " + LOCK + " true");
            System.out.println("LIVE safety as nobody: read udig_buf " + read + "; write udig_descs " + write + "; flock the lock "
                    + lock);
            assertFalse("nobody reads the ring: " + read, read.startsWith("exit 0"));
            assertFalse("nobody writes the ring's head and tail: " + write, write.startsWith("exit 0"));
            assertFalse("nobody takes the lock: " + lock, lock.startsWith("exit 0"));

            // capabilities: exactly the four live capture still needs, on every thread
            List<String> caps = new ArrayList<>();
            try (var tasks = Files.list(Path.of("/proc", Long.toString(probe.process.pid()), "task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("CapEff:") || line.startsWith("CapPrm:")) {
                            caps.add(task.getFileName() + " " + line);
                        }
                    }
                }
            }
            System.out.println("LIVE safety: " + caps.size() / 2 + " threads, " + caps.get(0) + ", " + caps.get(1));
            for (String c : caps) {
                assertEquals("capabilities of thread " + c, KEPT_CAPABILITIES, Long.parseUnsignedLong(c.substring(c.indexOf(':') + 1).trim(), 16));
            }
            assertTrue(capturing, capturing.contains("CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH"));
            assertEquals(130, probe.stop());
        }
        assertEquals("the jsonl sink's new file", "rw------- uid 0", permissions(events));
        assertEquals("the --write capture", "rw------- uid 0", permissions(capture));
        assertFalse("the lock goes with its holder", Files.exists(LOCK));
    }

    /**
     * Where libsinsp keeps the snaplen it asks of the producer in {@code udig_descs}: after libscap's
     * {@code ppm_ring_buffer_info} (48 bytes), at offset 40 of its {@code udig_ring_buffer_status}.
     */
    static final int CONSUMER_SNAPLEN = 48 + 40;

    @Test
    public void aRingTamperedWithIsCountedAndSaidInTheSummary() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/ring-tampered");
        Path events = work.resolve("events.jsonl");
        Files.deleteIfExists(events);
        String summary;
        try (LiveProbe probe = new LiveProbe(work, List.of(), List.of("--duration", "120s", "--sink", "jsonl:" + events))) {
            probe.awaitCapturing();
            // another root process writes a snaplen past the probe's limit into the ring's shared state
            try (FileChannel descs = FileChannel.open(UDIG_DESCS, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MappedByteBuffer m = descs.map(FileChannel.MapMode.READ_WRITE, 0, CONSUMER_SNAPLEN + 4);
                m.order(ByteOrder.nativeOrder());
                int asked = m.getInt(CONSUMER_SNAPLEN);
                m.putInt(CONSUMER_SNAPLEN, 0xfffffff0);
                Thread.sleep(600); // the producer looks at the reader's settings ten times a second
                m.putInt(CONSUMER_SNAPLEN, asked);
            }
            assertEquals("exit status of the live probe after SIGINT:\n" + probe.errors(), 130, probe.stop());
            summary = probe.errors();
        }
        System.out.println("LIVE tampered ring summary:\n" + summary);
        assertTrue("the summary counts the tampering:\n" + summary,
                summary.matches("(?s).*\\budig ring +tampered with [1-9][0-9]* times?: another process wrote its head, tail or snaplen.*"));
        assertTrue("the probe said it on stderr when it happened:\n" + summary, summary.contains("past the probe's limit"));
    }

    @Test
    public void aLockTakenByAnotherUserDoesNotStopTheProbe() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/lock-of-nobody");
        // the lock's former place, in a folder everyone writes: nobody makes it (or opens it) and holds it
        Path former = Path.of("/dev/shm/kindling-live.lock");
        Process holder = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "flock", former.toString(), "sleep", "60").redirectErrorStream(true).start();
        try {
            Thread.sleep(500);
            assertTrue("nobody holds " + former, holder.isAlive());
            String taken = asNobody("flock -n " + LOCK + " true");
            assertFalse("nobody cannot take the lock's place: " + taken, taken.startsWith("exit 0"));
            try (LiveProbe probe = new LiveProbe(work, List.of(), List.of("--duration", "120s", "--sink", "jsonl:/dev/null"))) {
                System.out.println("LIVE lock of nobody: " + probe.awaitCapturing());
                assertEquals(130, probe.stop());
            }
        } finally {
            holder.destroyForcibly();
            Files.deleteIfExists(former);
        }
    }

    @Test
    public void aRingMadeBeforehandByAnotherUserIsNeverWrittenTo() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/ring-of-nobody");
        String made = asNobody("head -c 8388608 /dev/zero > " + UDIG_BUF + " && head -c 128 /dev/zero > " + UDIG_DESCS
                + " && chmod 666 " + UDIG_BUF + " " + UDIG_DESCS);
        assertTrue(made, made.startsWith("exit 0"));
        // the other user's files, as that user would keep them open to read what a probe writes
        try (FileChannel theirs = FileChannel.open(UDIG_BUF, StandardOpenOption.READ);
                FileChannel theirDescs = FileChannel.open(UDIG_DESCS, StandardOpenOption.READ)) {
            Object theirInode = Files.getAttribute(UDIG_BUF, "unix:ino");
            try (LiveProbe probe = new LiveProbe(work, List.of(), List.of("--duration", "120s", "--sink", "jsonl:" + work.resolve("e.jsonl")))) {
                probe.awaitCapturing();
                Thread.sleep(2000); // events flow meanwhile
                assertNotEquals("the probe's ring is a file of its own", theirInode, Files.getAttribute(UDIG_BUF, "unix:ino"));
                assertEquals("rw------- uid 0", permissions(UDIG_BUF));
                assertEquals(130, probe.stop());
                assertTrue("events were captured: " + probe.errors(), Files.size(work.resolve("e.jsonl")) > 0);
            }
            assertEquals("bytes written into the other user's udig_buf", 0, nonZero(theirs));
            assertEquals("bytes written into the other user's udig_descs", 0, nonZero(theirDescs));
        } finally {
            Files.deleteIfExists(UDIG_BUF);
            Files.deleteIfExists(UDIG_DESCS);
        }
    }

    private static long nonZero(FileChannel file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long n = 0;
        long pos = 0;
        int r;
        while ((r = file.read(buf, pos)) > 0) {
            for (int i = 0; i < r; i++) {
                if (buf.get(i) != 0) {
                    n++;
                }
            }
            pos += r;
            buf.clear();
        }
        return n;
    }

    /**
     * As nobody with exactly the README's capabilities (and a lock folder of its own, as a service's
     * RuntimeDirectory gives it), a live run sees a root process's writes to a file it opened before the
     * probe started as root's run does: each write with its file name and uid 0.
     */
    @Test
    public void nobodyWithTheListedCapabilitiesSeesWhatRootSees() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/as-nobody");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> asNobody = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o mode=0755,uid=" + NOBODY + ",size=1m kindling-nobody /run/kindling && exec \"$@\"", "sh",
                "setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--inh-caps=" + LISTED_CAPABILITIES,
                "--ambient-caps=" + LISTED_CAPABILITIES);
        long root = writesSeen(work.resolve("root"), List.of());
        long nobody = writesSeen(work.resolve("nobody"), asNobody);
        System.out.println("LIVE as nobody: writes to the long-open file seen with name and uid 0: root " + root + ", nobody " + nobody);
        assertEquals("writes seen as root", 50, root);
        assertEquals("writes seen as nobody with the listed capabilities", 50, nobody);
    }

    /** Starts a root shell that opens a file, then the probe; once it captures, the shell writes 50 lines. */
    private static long writesSeen(Path work, List<String> prefix) throws Exception {
        Files.createDirectories(work);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path events = work.resolve("events.jsonl");
        Files.deleteIfExists(events);
        Path file = work.resolve("long-open-file");
        Process shell = new ProcessBuilder("sh", "-c", "exec 3>\"$0\"; read go; i=0; while [ $i -lt 50 ]; do echo x >&3; i=$((i+1)); done",
                file.toString()).start();
        try (LiveProbe probe = new LiveProbe(work, prefix, List.of("--duration", "120s", "--subscribe", "syscall_exit-write",
                "--sink", "jsonl:" + events))) {
            probe.awaitCapturing();
            try (OutputStream in = shell.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(shell.waitFor(30, TimeUnit.SECONDS));
            Thread.sleep(2000); // the last writes reach the sink
            assertEquals(probe.errors(), 130, probe.stop());
        } finally {
            shell.destroyForcibly();
        }
        long seen = 0;
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
            Map<String, Object> e = Json.object(line);
            Map<?, ?> thread = (Map<?, ?>) e.get("thread");
            Map<?, ?> fd = (Map<?, ?>) e.get("fd");
            if (thread != null && ((Number) thread.get("pid")).longValue() == shell.pid() && fd != null
                    && "long-open-file".equals(fd.get("filename")) && ((Number) thread.get("uid")).longValue() == 0) {
                seen++;
            }
        }
        return seen;
    }
}
