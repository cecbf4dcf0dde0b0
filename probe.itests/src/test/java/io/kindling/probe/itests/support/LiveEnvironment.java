package io.kindling.probe.itests.support;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the live tests need from the machine: root and a kernel whose BTF lets the probe's eBPF
 * programs load. Where they cannot load the tests skip with the reason, unless the environment
 * variable {@code KINDLING_REQUIRE_LIVE=1} is set (CI sets it): then they fail. Also builds the
 * loopback workload ({@code src/test/c/kindling_workload.c}) with {@code cc}.
 */
public final class LiveEnvironment {

    public static final String REQUIRE = "KINDLING_REQUIRE_LIVE";

    private LiveEnvironment() {}

    /** Skips (or fails, with KINDLING_REQUIRE_LIVE=1) when this machine cannot run the eBPF source. */
    public static void requireLive() throws IOException {
        String missing = missing();
        if (missing == null) {
            return;
        }
        if ("1".equals(System.getenv(REQUIRE))) {
            fail("live capture cannot run here (" + missing + ") and " + REQUIRE + "=1 asks for it");
        }
        assumeTrue("live eBPF capture cannot run here: " + missing + "; the live tests are skipped", false);
    }

    private static String missing() throws IOException {
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
            return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:") && !line.split("\\s+")[2].equals("0")) {
                return "not root";
            }
        }
        return null;
    }

    /** The workload program, compiled once into the work folder. */
    public static synchronized Path workload() throws IOException, InterruptedException {
        Path source = Path.of(System.getProperty("kindling.workload.source",
                "src/test/c/kindling_workload.c")).toAbsolutePath().normalize();
        Path dir = Path.of(System.getProperty(TestEnvironment.WORK, "target/itests")).toAbsolutePath().resolve("workload");
        Files.createDirectories(dir);
        Path program = dir.resolve("kindling_workload");
        if (Files.isExecutable(program) && Files.getLastModifiedTime(program).compareTo(Files.getLastModifiedTime(source)) > 0) {
            return program;
        }
        Process cc = new ProcessBuilder("cc", "-O2", "-pthread", "-o", program.toString(), source.toString())
                .redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("cc on " + source + ": " + out, 0, cc.waitFor());
        return program;
    }

    /** One line of the workload's log: its kind and its key=value pairs. */
    public record Entry(String kind, Map<String, String> values) {
        public String get(String key) {
            String v = values.get(key);
            if (v == null) {
                throw new IllegalArgumentException(kind + " has no " + key + ": " + values);
            }
            return v;
        }

        public long number(String key) {
            return Long.parseLong(get(key));
        }
    }

    /** Runs {@code workload mixed DIR}; returns its log. */
    public static List<Entry> runMixed(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(workload().toString(), "mixed", dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("the workload's exit status; it said:\n" + out, true, p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("the workload's exit status; it said:\n" + out, 0, p.exitValue());
        List<Entry> entries = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                values.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
            entries.add(new Entry(parts[0], values));
        }
        return entries;
    }

    /**
     * Counts what a live capture could leave in this process: the BPF objects it holds (its file
     * descriptors of BPF programs, maps, links and BTF, by kind; other processes' BPF objects, such as
     * another tool's running meanwhile, are not counted, and Debian's bpftool cannot tell which process
     * holds an object), its mappings of udig's shared memory, and udig's entries in /dev/shm.
     */
    public static Map<String, Integer> kernelObjects() throws IOException {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (String kind : List.of("bpf-prog", "bpf-map", "bpf-link", "btf")) {
            counts.put(kind + " fds of this process", 0);
        }
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:btf")) {
                    counts.merge(target.substring("anon_inode:".length()) + " fds of this process", 1, Integer::sum);
                }
            }
        }
        counts.put("udig mappings of this process",
                (int) Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("/udig")).count());
        try (var s = Files.list(Path.of("/dev/shm"))) {
            counts.put("/dev/shm udig entries", (int) s.filter(f -> f.getFileName().toString().startsWith("udig")).count());
        }
        return counts;
    }

    /** The BPF ring buffers this process holds (map type 27 in /proc/self/fdinfo): their size in bytes, with how many have it. */
    public static Map<Long, Long> ringBuffers() throws IOException {
        Map<Long, Long> sizes = new java.util.TreeMap<>();
        Map<Long, java.util.Set<String>> maps = new java.util.HashMap<>(); // a map shared by several objects has an fd in each
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                List<String> info;
                try {
                    if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf-map")) {
                        continue;
                    }
                    info = Files.readAllLines(Path.of("/proc/self/fdinfo").resolve(fd.getFileName()));
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (info.stream().anyMatch(l -> l.matches("map_type:\\s+27"))) {
                    String id = info.stream().filter(l -> l.startsWith("map_id:")).findFirst().orElse(fd.toString());
                    info.stream().filter(l -> l.startsWith("max_entries:")).findFirst()
                            .ifPresent(l -> maps.computeIfAbsent(Long.parseLong(l.substring("max_entries:".length()).trim()),
                                    k -> new java.util.HashSet<>()).add(id));
                }
            }
        }
        maps.forEach((size, ids) -> sizes.put(size, (long) ids.size()));
        return sizes;
    }
}
