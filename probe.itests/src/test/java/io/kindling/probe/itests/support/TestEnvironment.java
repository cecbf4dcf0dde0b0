package io.kindling.probe.itests.support;

import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the tests find what they need. Failsafe passes every location as a system property (see
 * the module's pom.xml); the shared captures live outside the repository, and the tests skip, with
 * a message saying why, when that folder is absent.
 */
public final class TestEnvironment {

    /** Folder of the real capture files ({@code ../shared/captures} from the repository root). */
    public static final String CAPTURES = "kindling.captures";
    /** The executable jar built by probe.dist. */
    public static final String PROBE_JAR = "kindling.probe.jar";
    /** A folder under target/ for the tests' own files. */
    public static final String WORK = "kindling.work";
    /** The sysdig binary used as the oracle. */
    public static final String SYSDIG = "kindling.sysdig";

    private TestEnvironment() {}

    /** The captures folder; skips the calling test when it is absent. */
    public static Path capturesDir() {
        String value = System.getProperty(CAPTURES);
        assumeTrue("system property " + CAPTURES + " is not set: run the tests through Maven (failsafe)", value != null);
        Path dir = Path.of(value).toAbsolutePath().normalize();
        assumeTrue("the shared captures folder " + dir + " is absent: tests that replay the real captures are skipped",
                Files.isDirectory(dir));
        return dir;
    }

    /** Every {@code *.scap} file of the captures folder, sorted by name; skips when there is none. */
    public static List<Path> captures() throws IOException {
        Path dir = capturesDir();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".scap")).sorted().collect(Collectors.toList());
        }
        assumeTrue("no .scap file in " + dir, !files.isEmpty());
        return files;
    }

    /** One capture by file name; skips when the folder or the file is absent. */
    public static Path capture(String name) {
        Path file = capturesDir().resolve(name);
        assumeTrue("capture " + file + " is absent", Files.isRegularFile(file));
        return file;
    }

    /** The probe's executable jar; fails (the build is broken) when it is missing. */
    public static Path probeJar() {
        String value = System.getProperty(PROBE_JAR);
        assertTrue("system property " + PROBE_JAR + " is not set: run the tests through Maven (failsafe)", value != null);
        Path jar = Path.of(value).toAbsolutePath().normalize();
        assertTrue(jar + " is missing: build the project first (./mvnw -o install -DskipTests)", Files.isRegularFile(jar));
        return jar;
    }

    /** The sysdig binary; skips when it is not installed (bin/setup installs it). */
    public static Path sysdig() {
        Path sysdig = Path.of(System.getProperty(SYSDIG, "/usr/bin/sysdig"));
        assumeTrue(sysdig + " is not installed (Debian package sysdig, see bin/setup): the comparison with sysdig is skipped",
                Files.isExecutable(sysdig));
        return sysdig;
    }

    /** A fresh (emptied) folder under the work folder. */
    public static Path workDir(String name) throws IOException {
        Path base = Path.of(System.getProperty(WORK, "target/itests")).toAbsolutePath().normalize();
        Path dir = base.resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    public static int intProperty(String name, int fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
    }

    public static long longProperty(String name, long fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : Long.parseLong(value.trim());
    }
}
