import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a container (java ThreadNames.java DIR): three threads each tell their name the way Kindling's
 * Java agent does, a kd-tm@TID!NAME! marker written to /dev/null with the thread's id as the JVM
 * knows it (in the container's pid namespace), then write "jvm-write-NAME-i" to a file of DIR. Prints
 * one line per thread: its name and id.
 */
public class ThreadNames {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Thread.sleep(Long.parseLong(args.length > 1 ? args[1] : "0"));
        Thread[] threads = new Thread[3];
        for (int t = 0; t < threads.length; t++) {
            String name = "kp-worker-" + t;
            threads[t] = new Thread(() -> {
                try {
                    String tid = Files.readString(Path.of("/proc/thread-self/stat")).split(" ")[0];
                    try (FileOutputStream marker = new FileOutputStream("/dev/null")) {
                        marker.write(("kd-tm@" + tid + "!" + name + "!").getBytes(StandardCharsets.US_ASCII));
                    }
                    Thread.sleep(300);
                    try (FileOutputStream out = new FileOutputStream(dir.resolve(name).toFile())) {
                        for (int i = 0; i < 5; i++) {
                            out.write(("jvm-write-" + name + "-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                    System.out.println(name + " " + tid);
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }, name);
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
