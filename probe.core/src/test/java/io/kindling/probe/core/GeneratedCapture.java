package io.kindling.probe.core;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.inspector.NativeInspector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real native inspector and a capture of the project's generator, for the core's tests: what
 * the inspector reads of it with nothing filtered out is what the engine's routing and event loop
 * are compared with.
 */
final class GeneratedCapture {

    /** One event as a sink sees it, or as the inspector reads it: enough to compare sequences. */
    record Seen(String name, long timestamp, long tid, boolean thread) {
        static Seen of(RawEvent raw) {
            return new Seen(raw.name(), raw.timestamp(), raw.hasThread() ? raw.tid() : 0, raw.hasThread());
        }

        static Seen of(KindlingEvent event) {
            return new Seen(event.name(), event.timestamp(), event.thread() != null ? event.thread().tid() : 0,
                    event.thread() != null);
        }
    }

    /** A sink that records what it receives, on its delivery thread. */
    static final class Recorder implements Sink {
        final List<Seen> received = new CopyOnWriteArrayList<>();

        @Override
        public void deliver(KindlingEvent event) {
            received.add(Seen.of(event));
        }
    }

    private GeneratedCapture() {}

    /** The native inspector; skips the test when the shim is not built. */
    static NativeInspector inspector() {
        String dir = System.getProperty("jna.library.path", "");
        assumeTrue(!dir.isEmpty() && Files.exists(Path.of(dir, "libkindlingprobe.so")),
                "the native shim is not built (libkindlingprobe.so under jna.library.path=" + dir + "): test skipped");
        return new NativeInspector(2 << 20, 8192);
    }

    /** A mixed capture (files, HTTP, scheduler switches) of {@code events} events. */
    static Path generate(Path dir, long events) throws Exception {
        Path capture = dir.resolve("mixed-" + events + ".scap");
        CaptureGenerator.generate(Scenario.MIXED, events, 11, capture);
        return capture;
    }

    /** Every event the inspector reads of the capture with nothing filtered out, with or without thread, in order. */
    static List<Seen> readAll(NativeInspector inspector, Path capture) throws InspectorException {
        List<Seen> all = new ArrayList<>();
        try (InspectorSession s = inspector.openFile(capture)) {
            FilterTable everything = FilterTable.everything(inspector.eventTable());
            s.setFilter(everything);
            s.setThreadlessFilter(everything);
            for (RawBatch batch = s.nextBatch(); batch != null; batch = s.nextBatch()) {
                while (batch.next()) {
                    all.add(Seen.of(batch.event()));
                }
                batch.release();
            }
        }
        return all;
    }
}
