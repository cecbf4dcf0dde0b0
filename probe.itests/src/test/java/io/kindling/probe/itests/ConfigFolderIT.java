package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.GeneratedCaptures;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code probe replay --config DIR} as bin/probe and the node image's entry point run it: the shell's
 * jar with FileInstall on DIR. The folder is laid out as Kubernetes mounts a ConfigMap (each file a
 * link into a dated folder through {@code ..data}); a jsonl sink configured only by a file there
 * receives exactly what a {@code --sink jsonl} of the same run receives with the same subscriptions, and
 * nothing goes to standard output. A folder without a sink, and the jar without FileInstall, are refused with one line.
 */
public class ConfigFolderIT {

    private static Path capture;

    @BeforeClass
    public static void generateCapture() throws Exception {
        capture = GeneratedCaptures.of("config-folder-http-5000.scap", Scenario.HTTP, 5_000, 5);
    }

    /** A folder laid out as the kubelet mounts a ConfigMap: {@code NAME -> ..data/NAME}, {@code ..data -> ..DATED/}. */
    static Path configMapFolder(Path folder, Map<String, String> files) throws Exception {
        // the kubelet's modes: folders 0755, files 0644 (defaultMode), owned by root
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dated = Files.createDirectories(folder.resolve("..2026_12_07_00_00_00.000000001"));
        Files.setPosixFilePermissions(dated, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(dated.resolve(file.getKey()), file.getValue());
            Files.setPosixFilePermissions(dated.resolve(file.getKey()), PosixFilePermissions.fromString("rw-r--r--"));
            Files.createSymbolicLink(folder.resolve(file.getKey()), Path.of("..data", file.getKey()));
        }
        Files.createSymbolicLink(folder.resolve("..data"), Path.of(dated.getFileName().toString()));
        return folder;
    }

    /** bin/probe's command for {@code --config DIR}. */
    private static List<String> command(Path config, String... args) {
        Path shellJar = TestEnvironment.probeJar().resolveSibling("shell.jar");
        assertTrue(shellJar + " is missing: build the project first", Files.isRegularFile(shellJar));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djna.nosys=true", "-XX:TieredStopAtLevel=1", "-Dfelix.fileinstall.dir=" + config,
                "-Dfelix.fileinstall.filter=.*\\.(cfg|config)", "-Dfelix.fileinstall.subdir.mode=skip",
                "-Dfelix.fileinstall.enableConfigSave=false", "-jar", shellJar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static String[] run(Path work, List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(work.resolve("stdout").toFile()).redirectError(work.resolve("stderr").toFile()).start();
        assertTrue("the replay ends", p.waitFor(2, TimeUnit.MINUTES));
        return new String[] {String.valueOf(p.exitValue()), Files.readString(work.resolve("stdout")), Files.readString(work.resolve("stderr"))};
    }

    @Test
    public void aSinkConfiguredOnlyByAFileOfTheFolderReceivesWhatTheCommandLinesSinkReceives() throws Exception {
        Path work = TestEnvironment.workDir("config-folder/sink");
        Path events = work.resolve("events.jsonl");
        String content = "kindling.sink.name=events\nkindling.subscriptions=syscall_exit-connect,syscall_exit-write:net\npath=" + events + "\n";
        Path config = configMapFolder(Files.createDirectories(work.resolve("config")), Map.of("io.kindling.probe.sink.jsonl-events.cfg", content));
        // the oracle: a sink of the command line in the same run, with the same subscriptions
        Path oracle = work.resolve("oracle.jsonl");
        String[] r = run(work, command(config, "replay", capture.toString(), "--config", config.toString(), "--subscribe",
                "syscall_exit-connect", "--subscribe", "syscall_exit-write:net", "--sink", "jsonl:" + oracle));
        String all = "exit " + r[0] + "\n--- stdout\n" + r[1] + "\n--- stderr\n" + r[2];
        assertEquals(all, "0", r[0]);
        assertTrue(all, r[2].contains("probe: configuration folder " + config + ": sinks events"));
        assertEquals("no console sink: nothing on standard output\n" + all, "", r[1]);
        assertTrue(all, r[2].matches("(?s).*sink events +delivered [1-9][0-9]*, dropped 0, failed 0.*"));
        List<String> want = Files.readAllLines(oracle);
        List<String> got = Files.readAllLines(events);
        System.out.println("CONFIG FOLDER " + got.size() + " events from the folder's sink, " + want.size() + " from --sink jsonl");
        assertFalse("the capture has such events", want.isEmpty());
        assertEquals("the folder's sink receives what --sink jsonl receives", want, got);
        assertTrue(all, r[2].matches("(?s).*sink jsonl +delivered " + want.size() + ", dropped 0, failed 0.*"));
        assertEquals("the folder's file is left as it was", content,
                Files.readString(config.resolve("io.kindling.probe.sink.jsonl-events.cfg")));
    }

    @Test
    public void aFolderWithoutASinkAndAJarWithoutFileInstallAreRefused() throws Exception {
        Path work = TestEnvironment.workDir("config-folder/refused");
        Path config = configMapFolder(Files.createDirectories(work.resolve("config")), Map.of("io.kindling.probe.core.cfg",
                "sink.queue.size=4096\n"));
        String[] r = run(work, command(config, "replay", capture.toString(), "--config", config.toString()));
        assertEquals(r[2], "2", r[0]);
        assertTrue(r[2], r[2].contains("no sink is configured there"));

        ProbeProcess.Result plain = ProbeProcess.run(work.resolve("plain"), "replay", capture.toString(), "--config", config.toString());
        assertEquals(plain.describe(), 2, plain.exitCode());
        assertTrue(plain.describe(), String.join("\n", plain.stderr()).contains("bin/probe live --config DIR"));
        assertEquals(plain.describe(), List.of(), plain.stackTraceLines());
    }
}
