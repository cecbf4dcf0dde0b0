package io.kindling.probe.itests.support;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An Apache Karaf distribution (the tar.gz Maven resolved for the build) unpacked into a folder of its
 * own and run as a process, as its users run it: {@code bin/karaf server}, commands through
 * {@code bin/client} over Karaf's SSH server. Its SSH port is a free loopback port (its JMX/RMI server is
 * left out of the boot features), its user
 * and password made up for the run; Karaf's Maven resolver looks only at its own {@code system/}
 * folder and at the build's local repository (nothing from the network).
 */
public final class KarafInstance implements AutoCloseable {

    /** System property: the apache-karaf tar.gz. */
    public static final String DISTRIBUTION = "kindling.karaf.distribution";
    /** System property: the probe's features repository folder (probe.features/target/repository). */
    public static final String PROBE_REPOSITORY = "kindling.features.repository";

    private static final long CLIENT_LIMIT_SECONDS = 180;

    private final Path home;
    private final int sshPort;
    private final String password = UUID.randomUUID().toString();
    private final Path console;
    private Process process;

    private KarafInstance(Path home, int sshPort) {
        this.home = home;
        this.sshPort = sshPort;
        this.console = home.resolve("console.log");
    }

    /**
     * Unpacks Karaf into {@code dir}, copies the probe's repository into its {@code system/} folder
     * (where Karaf finds the bundles its features name, as an offline installation does), and sets
     * its ports, user and resolver. Not started yet: {@link #start()}.
     */
    public static KarafInstance unpack(Path dir) throws IOException, InterruptedException {
        Path distribution = Path.of(required(DISTRIBUTION));
        Path repository = Path.of(required(PROBE_REPOSITORY));
        assertTrue(distribution + " is missing", Files.isRegularFile(distribution));
        assertTrue(repository + " is missing: build probe.features first", Files.isDirectory(repository));
        Files.createDirectories(dir);
        Process tar = new ProcessBuilder("tar", "-xzf", distribution.toString(), "-C", dir.toString(), "--strip-components=1")
                .redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("tar failed: " + out, tar.waitFor() == 0);
        copyTree(repository, dir.resolve("system"));

        KarafInstance karaf = new KarafInstance(dir, TestServers.freePort());
        Path etc = dir.resolve("etc");
        replace(etc.resolve("org.apache.karaf.shell.cfg"), Map.of("sshPort", Integer.toString(karaf.sshPort), "sshHost", "127.0.0.1"));
        String localRepository = System.getProperty("org.ops4j.pax.url.mvn.localRepository", "");
        Files.writeString(etc.resolve("org.ops4j.pax.url.mvn.cfg"), String.join("\n",
                "org.ops4j.pax.url.mvn.useFallbackRepositories = false",
                "org.ops4j.pax.url.mvn.defaultRepositories = ${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots",
                "org.ops4j.pax.url.mvn.repositories =",
                "org.ops4j.pax.url.mvn.localRepository = " + localRepository, ""));
        // No JMX/RMI server: what the tests do goes through the shell.
        Files.writeString(etc.resolve("org.apache.karaf.features.cfg"), Files.readString(etc.resolve("org.apache.karaf.features.cfg"),
                StandardCharsets.ISO_8859_1).replaceFirst("\\n\\s*management/[0-9.]+, \\\\", ""), StandardCharsets.ISO_8859_1);
        Files.writeString(etc.resolve("users.properties"),
                "kindling = " + karaf.password + ",_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        return karaf;
    }

    /** Karaf's folder. */
    public Path home() {
        return home;
    }

    /** {@code bin/karaf server}, then waits until its shell answers over SSH. */
    public void start() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        environment(builder);
        process = builder.start();
        String answer = client("bundle:list -s -t 0");
        assertTrue("Karaf's shell did not answer: " + answer + "\n" + consoleTail(), answer.contains("org.apache.karaf.shell.core"));
    }

    /** Runs one command line in Karaf's shell through {@code bin/client}; its output (standard output and error). */
    public String client(String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/client").toString(),
                "-h", "127.0.0.1", "-a", Integer.toString(sshPort), "-u", "kindling", "-p", password,
                "-r", "120", "-d", "1", command)
                .directory(home.toFile())
                .redirectErrorStream(true);
        environment(builder);
        // Standard input stays open while the command runs: at its end the client closes the session.
        Process client = builder.start();
        byte[] out = client.getInputStream().readAllBytes();
        client.getOutputStream().close();
        if (!client.waitFor(CLIENT_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            client.destroyForcibly();
            fail("bin/client '" + command + "' did not end");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The last lines Karaf wrote to its console and its log. */
    public String consoleTail() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path file : List.of(console, home.resolve("data/log/karaf.log"))) {
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
                b.append("--- ").append(file.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(l -> b.append(l).append('\n'));
            }
        }
        return b.toString();
    }

    /** {@code system:shutdown -f}, then waits for the process to end (kills it after a minute). */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            client("system:shutdown -f");
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        process = null;
    }

    private void environment(ProcessBuilder builder) {
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_MIN_MEM", "64M");
        env.put("JAVA_MAX_MEM", "384M");
        // Karaf's scripts add these to the JVM's options (the server's and the client's): on a small machine
        // C1 alone starts them about a third faster, and nothing here runs long enough for C2 to pay off.
        env.put("EXTRA_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        env.put("KARAF_HOME", home.toString());
        env.remove("KARAF_BASE");
        env.remove("KARAF_DATA");
        env.remove("KARAF_ETC");
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        assertTrue("system property " + property + " is not set: run the tests through Maven (failsafe)", value != null);
        return value;
    }


    /** Sets {@code key = value} in a Karaf .cfg file: replaces the key's line, or adds one. */
    private static void replace(Path cfg, Map<String, String> values) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(cfg, StandardCharsets.ISO_8859_1));
        for (Map.Entry<String, String> e : values.entrySet()) {
            lines.removeIf(l -> l.matches("\\s*#?\\s*" + java.util.regex.Pattern.quote(e.getKey()) + "\\s*=.*"));
            lines.add(e.getKey() + " = " + e.getValue());
        }
        Files.write(cfg, lines, StandardCharsets.ISO_8859_1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
