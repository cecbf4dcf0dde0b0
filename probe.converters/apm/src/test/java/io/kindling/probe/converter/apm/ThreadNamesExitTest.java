package io.kindling.probe.converter.apm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.testing.TestRawEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A Java thread name lives as long as its thread: a process that exits takes its names with it. */
class ThreadNamesExitTest {
    private final JavaThreadNames names = new JavaThreadNames(1024);
    private final ApmMarkerConverter markers = new ApmMarkerConverter(names);
    private final JavaThreadNameConverter rename = new JavaThreadNameConverter(names);

    private static TestRawEvent write(long pid, long tid, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        return new TestRawEvent().name("syscall_exit-write", Category.FILE, Source.SYSCALL_EXIT).timestamp(10)
                .thread(pid, tid, 0, 0, "java", "").fd(7, FdType.FILE, "/tmp/kindling")
                .param("res", 11, ValueType.INT64, 8, data.length).param("data", 10, ValueType.BYTEBUF, data);
    }

    private static TestRawEvent exit(long pid, long tid) {
        return new TestRawEvent().name("tracepoint-procexit", Category.OTHER, Source.TRACEPOINT).timestamp(20)
                .thread(pid, tid, 0, 0, "java", "");
    }

    /** The comm a sink sees for an event of the thread. */
    private String comm(long pid, long tid, String comm) {
        TestRawEvent raw = new TestRawEvent().name("syscall_exit-read", Category.FILE, Source.SYSCALL_EXIT).timestamp(30)
                .thread(pid, tid, 0, 0, comm, "");
        KindlingEvent event = raw.toEvent();
        rename.convert(raw, event, e -> {});
        return event.thread().comm();
    }

    @Test
    void aProcessThatExitsTakesItsThreadNamesWithIt() {
        markers.activeChanged(true);
        markers.observe(write(100, 100, "kd-tm@100!main!"), e -> {});
        markers.observe(write(100, 100, "kd-tm@101!worker-1!"), e -> {});
        markers.observe(write(200, 200, "kd-tm@201!other!"), e -> {});
        assertEquals("main", comm(100, 100, "java"));
        assertEquals("worker-1", comm(100, 101, "java"));

        markers.observe(exit(100, 101), e -> {}); // a thread of a process that goes on
        assertEquals("main", comm(100, 100, "java"));
        assertEquals("python3", comm(100, 101, "python3"), "a new thread 101 keeps its own comm");

        markers.observe(exit(100, 100), e -> {}); // the process
        assertEquals("nginx", comm(100, 100, "nginx"), "a new process 100 keeps its own comm");
        assertEquals("other", comm(200, 201, "java"), "another process's names stay");
        assertEquals(1, names.size());
    }

    @Test
    void theMarkerConverterReadsProcessExitsWhileActive() {
        assertEquals(true, ApmMarkerConverter.NEEDS.contains("tracepoint-procexit"), ApmMarkerConverter.NEEDS);
    }
}
