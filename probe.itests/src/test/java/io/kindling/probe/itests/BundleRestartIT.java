package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ExamBundles;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleRevision;

/**
 * Every bundle of the probe can be stopped and started again in the same framework, 50 times,
 * without leaks: after the cycles (each followed by a replay that must deliver what the first one
 * did) the live threads are back to their number before, and the heap after a full collection is
 * back to its level (within a small margin for the JIT and class data). Also: no class of the
 * probe's bundles keeps mutable state in a static field. Runs in Felix and in Equinox.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleRestartIT {

    static final int CYCLES = Integer.getInteger("kindling.restart.cycles", 50);
    static final long HEAP_MARGIN_BYTES = 8L << 20;

    @Configuration
    public Option[] configuration() {
        return ExamBundles.options(List.of("bundle.jackson-core"), List.of("bundle.probe.converter.socket",
                "bundle.probe.generator", "bundle.probe.converter.file", "bundle.probe.converter.tcp", "bundle.probe.converter.cpu",
                "bundle.probe.sink.console", "bundle.probe.sink.jsonl", "bundle.probe.sink.example"));
    }

    private static BundleContext context() {
        return FrameworkUtil.getBundle(BundleRestartIT.class).getBundleContext();
    }

    /** The probe's bundles that can be started, in the order they start (api first). */
    private static List<Bundle> probeBundles() {
        List<Bundle> list = new ArrayList<>();
        for (String name : new String[] {"io.kindling.probe.api", "io.kindling.probe.generator", "io.kindling.probe.inspector",
                "io.kindling.probe.core", "io.kindling.probe.converter.socket", "io.kindling.probe.converter.file",
                "io.kindling.probe.converter.tcp", "io.kindling.probe.converter.cpu", "io.kindling.probe.sink.console",
                "io.kindling.probe.sink.jsonl", "io.kindling.probe.sink.example"}) {
            Bundle found = null;
            for (Bundle b : context().getBundles()) {
                if (name.equals(b.getSymbolicName())) {
                    found = b;
                }
            }
            assertTrue("bundle " + name + " is installed", found != null);
            list.add(found);
        }
        return list;
    }

    @Test
    public void everyBundleStopsAndStartsFiftyTimesWithoutLeaks() throws Exception {
        Path capture = capture();
        CountingSink sink = new CountingSink();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.SUBSCRIPTIONS, new String[] {"all"});
        properties.put(Sink.NAME, "restart");
        ServiceRegistration<Sink> registration = context().registerService(Sink.class, sink, properties);
        try {
            long expected = replay(sink, capture);
            assertTrue("the capture gives events", expected > 1000);
            for (int i = 0; i < 3; i++) { // warm-up: classes loaded, JIT settled, caches at their size
                cycle();
                assertEquals(expected, replay(sink, capture));
            }
            int threadsBefore = settledThreads(Integer.MAX_VALUE);
            long heapBefore = heapAfterGc();
            Set<String> namesBefore = threadNames();
            long start = System.nanoTime();
            for (int i = 1; i <= CYCLES; i++) {
                cycle();
                assertEquals("events delivered after cycle " + i, expected, replay(sink, capture));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int threadsAfter = settledThreads(threadsBefore);
            long heapAfter = heapAfterGc();
            Set<String> extra = threadNames();
            extra.removeAll(namesBefore);
            String figures = String.format("RESTART %s: %d stop/start cycles of %d bundles, each followed by a replay of %d events,"
                    + " in %.1f s; threads %d before, %d after; heap after GC %.1f MiB before, %.1f MiB after",
                    ExamBundles.framework(context()), CYCLES, probeBundles().size(), expected, seconds, threadsBefore, threadsAfter,
                    heapBefore / 1048576.0, heapAfter / 1048576.0);
            System.out.println(figures);
            HotSwapUnderLoadIT.report(figures);
            assertTrue("threads back to their number (" + threadsBefore + " before, " + threadsAfter + " after; new: " + extra + ")",
                    threadsAfter <= threadsBefore);
            assertTrue(String.format("heap back to its level: %d bytes before, %d after", heapBefore, heapAfter),
                    heapAfter <= heapBefore + HEAP_MARGIN_BYTES);
        } finally {
            registration.unregister();
        }
    }

    /** Stops every probe bundle (last started first), then starts them again. */
    private static void cycle() throws Exception {
        List<Bundle> bundles = probeBundles();
        for (int i = bundles.size() - 1; i >= 0; i--) {
            bundles.get(i).stop();
        }
        for (Bundle b : bundles) {
            b.start();
        }
    }

    private static long replay(CountingSink sink, Path capture) throws Exception {
        ProbeControl control = HotSwapUnderLoadIT.service(context(), ProbeControl.class);
        HotSwapUnderLoadIT.await(() -> HotSwapUnderLoadIT.routes(control, "restart"), "the engine routes to the test's sink");
        sink.count.set(0);
        Run run = control.open(capture);
        assertTrue("the replay ends", run.await(2, TimeUnit.MINUTES));
        assertNull("the replay ends without failure", run.failure());
        return sink.count.get();
    }

    static final class CountingSink implements Sink {
        final AtomicLong count = new AtomicLong();

        @Override
        public void deliver(KindlingEvent event) {
            count.incrementAndGet();
        }
    }

    /** Live threads once the ones that are ending have ended (waits up to 10 s for at most {@code target}). */
    private static int settledThreads(int target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n = ManagementFactory.getThreadMXBean().getThreadCount();
        while (n > target && System.nanoTime() < deadline) {
            Thread.sleep(100);
            n = ManagementFactory.getThreadMXBean().getThreadCount();
        }
        Thread.sleep(300);
        return Math.min(n, ManagementFactory.getThreadMXBean().getThreadCount());
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /**
     * No class of the probe's bundles keeps mutable state in a static field: every static field is
     * final, and none holds a modifiable collection, map, atomic or builder.
     */
    @Test
    public void noStaticMutableState() throws Exception {
        List<String> problems = new ArrayList<>();
        int classes = 0;
        for (Bundle b : context().getBundles()) {
            String name = b.getSymbolicName();
            if (name == null || !name.startsWith("io.kindling.probe.")
                    || (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0) {
                continue;
            }
            Enumeration<URL> entries = b.findEntries("/", "*.class", true);
            while (entries != null && entries.hasMoreElements()) {
                String path = entries.nextElement().getPath();
                String className = path.substring(1, path.length() - ".class".length()).replace('/', '.');
                if (className.endsWith("package-info") || className.endsWith("module-info")) {
                    continue;
                }
                Class<?> type;
                try {
                    type = b.loadClass(className);
                } catch (ClassNotFoundException | LinkageError e) {
                    continue; // an optional import that is not there
                }
                classes++;
                for (Field f : type.getDeclaredFields()) {
                    int m = f.getModifiers();
                    if (!Modifier.isStatic(m) || f.isSynthetic() || f.isEnumConstant()) {
                        continue;
                    }
                    if (!Modifier.isFinal(m)) {
                        problems.add(className + "." + f.getName() + " is static and not final");
                        continue;
                    }
                    Object value;
                    try {
                        f.setAccessible(true);
                        value = f.get(null);
                    } catch (RuntimeException | IllegalAccessException | LinkageError e) {
                        continue;
                    }
                    if (mutable(value)) {
                        problems.add(className + "." + f.getName() + " holds a modifiable " + value.getClass().getName());
                    }
                }
            }
        }
        System.out.println("STATIC " + classes + " classes of the probe's bundles checked");
        assertTrue("classes were checked", classes > 20);
        assertEquals("static mutable state", List.of(), problems);
    }

    private static boolean mutable(Object value) {
        if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
            String type = value.getClass().getName();
            return !(type.startsWith("java.util.ImmutableCollections") || type.startsWith("java.util.Collections$Unmodifiable")
                    || type.startsWith("java.util.Collections$Empty") || type.startsWith("java.util.Collections$Singleton"));
        }
        return value instanceof AtomicLong || value instanceof java.util.concurrent.atomic.AtomicInteger
                || value instanceof java.util.concurrent.atomic.AtomicReference<?> || value instanceof StringBuilder
                || value instanceof ThreadLocal<?>;
    }

    private static Path capture() throws Exception {
        Path dir = Path.of(System.getProperty("kindling.work", "target/itests")).toAbsolutePath().resolve("captures");
        Files.createDirectories(dir);
        Path file = dir.resolve("restart-http-20000.scap");
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            Path partial = dir.resolve(file.getFileName() + ".part");
            CaptureGenerator.generate(Scenario.HTTP, 20_000, 3, partial);
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
