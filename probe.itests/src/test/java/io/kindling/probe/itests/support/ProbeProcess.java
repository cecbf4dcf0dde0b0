package io.kindling.probe.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the real command, {@code java -jar probe.jar ARGS}, as a separate process in its own working
 * folder (where a crashing JVM would leave its {@code hs_err_pid*.log}), standard output to a file.
 * The jar is a checked copy of probe.dist/target/probe.jar (see {@link #probeJar()}).
 */
public final class ProbeProcess {

    /** A run that takes longer than this is killed and reported as hanging (a safety net, not an assertion on time). */
    public static final long HANG_LIMIT_SECONDS = 120;

    /** What one run left behind. {@code exitCode} is -1 when the process hung and was killed. */
    public record Result(List<String> command, int exitCode, Path stdout, List<String> stderr, List<Path> crashLogs) {

        public boolean hung() {
            return exitCode == -1;
        }

        public List<String> stdoutLines() throws IOException {
            return Files.readAllLines(stdout, StandardCharsets.UTF_8);
        }

        /** The lines of standard error that are not part of the run summary (see probe.cli Summary). */
        public List<String> messageLines() {
            List<String> messages = new ArrayList<>();
            for (String line : stderr) {
                if (line.startsWith("probe: summary of") || line.startsWith("probe: stopped; summary of")
                        || line.startsWith("  ")) {
                    continue;
                }
                messages.add(line);
            }
            return messages;
        }

        /** Signs of a Java failure that escaped to the user. */
        public List<String> stackTraceLines() {
            return stderr.stream().filter(l -> l.contains("Exception in thread") || l.startsWith("\tat ")
                    || l.contains("at io.kindling") || l.startsWith("Caused by:") || l.contains("A fatal error has been detected"))
                    .collect(Collectors.toList());
        }

        public String describe() {
            return String.join(" ", command) + "\n  exit " + exitCode + (crashLogs.isEmpty() ? "" : ", crash logs " + crashLogs)
                    + "\n  stderr:\n    " + String.join("\n    ", stderr);
        }
    }

    /**
     * System property: JVM options for the command's processes, empty by default (the plain
     * {@code java -jar}); for example {@code -XX:TieredStopAtLevel=1}, which saves about a third of
     * each run's CPU time on a busy machine.
     */
    public static final String JVM_OPTIONS = "kindling.probe.jvm.options";

    private static Path snapshot;

    private ProbeProcess() {}

    /**
     * A copy of probe.dist/target/probe.jar taken once per test JVM, checked to be a complete jar,
     * so that a rebuild of the project while the tests run (others work in the same tree) cannot
     * hand half a jar to some of the runs.
     */
    public static synchronized Path probeJar() throws IOException, InterruptedException {
        if (snapshot != null) {
            return snapshot;
        }
        Path jar = TestEnvironment.probeJar();
        Path base = Path.of(System.getProperty(TestEnvironment.WORK, "target/itests")).toAbsolutePath().normalize();
        Files.createDirectories(base);
        Path copy = base.resolve("probe-" + ProcessHandle.current().pid() + ".jar");
        IOException last = null;
        for (int attempt = 0; attempt < 60; attempt++) {
            try {
                Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                try (java.util.jar.JarFile j = new java.util.jar.JarFile(copy.toFile(), true)) {
                    if (j.getManifest() == null || j.getManifest().getMainAttributes().getValue("Main-Class") == null) {
                        throw new IOException(jar + " has no Main-Class");
                    }
                    for (var e = j.entries(); e.hasMoreElements();) {
                        try (var in = j.getInputStream(e.nextElement())) {
                            in.transferTo(java.io.OutputStream.nullOutputStream());
                        }
                    }
                }
                copy.toFile().deleteOnExit();
                snapshot = copy;
                return snapshot;
            } catch (IOException | SecurityException e) {
                last = e instanceof IOException io ? io : new IOException(e);
                Thread.sleep(2000); // being rebuilt: wait for the build to finish
            }
        }
        throw new IOException(jar + " is not a complete jar (rebuilt while the tests run?)", last);
    }

    /**
     * JVM options for a test that starts the command many times on small inputs and checks what it
     * answers, not how fast: the JIT's first tier only and the serial collector take about 40 % less
     * CPU time per run (4.9 s against 2.9 s of user time for a 345-event capture).
     */
    private static final List<String> BRIEF_RUN_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** Runs {@code java -jar probe.jar args} in {@code workDir}; standard output goes to {@code workDir/stdout}. */
    public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return runUnder(List.of(), workDir, args);
    }

    /** The same with {@link #BRIEF_RUN_OPTIONS}, for many short runs whose speed is not measured. */
    public static Result runBrief(Path workDir, String... args) throws IOException, InterruptedException {
        return start(List.of(), BRIEF_RUN_OPTIONS, workDir, args);
    }

    /** The same as {@link #run}, the java command run by {@code launcher} (such as {@code setpriv ... --}). */
    public static Result runUnder(List<String> launcher, Path workDir, String... args) throws IOException, InterruptedException {
        return start(launcher, List.of(), workDir, args);
    }

    private static Result start(List<String> launcher, List<String> jvmOptions, Path workDir, String... args)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(launcher);
        command.add(java.toString());
        command.addAll(jvmOptions);
        for (String option : System.getProperty(JVM_OPTIONS, "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        command.add("-jar");
        command.add(probeJar().toString());
        command.addAll(List.of(args));
        Path stdout = workDir.resolve("stdout");
        Path stderr = workDir.resolve("stderr");
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        int exit;
        if (process.waitFor(HANG_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            exit = process.exitValue();
        } else {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            exit = -1;
        }
        List<String> errLines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
        List<Path> crashLogs;
        try (Stream<Path> s = Files.list(workDir)) {
            crashLogs = s.filter(p -> p.getFileName().toString().startsWith("hs_err")).sorted().collect(Collectors.toList());
        }
        return new Result(List.copyOf(command), exit, stdout, errLines, crashLogs);
    }
}
