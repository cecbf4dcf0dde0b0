package io.kindling.probe.converter.apm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.kindling.probe.api.ThreadContext;
import org.junit.jupiter.api.Test;

/**
 * A {@code kd-tm@} marker names a thread by the id its JVM knows it by: inside a container, its id in the
 * container's pid namespace (vtid), which differs from the host's tid that libsinsp keys threads by.
 */
class JavaThreadNamesTest {

    @Test
    void aContainerizedJvmsThreadIsNamedByItsIdInTheContainer() {
        JavaThreadNames names = new JavaThreadNames(1024);
        // host pid 4711, the marker's thread id 27 (the JVM's, in the container)
        names.put(4711, 27, "http-nio-8080-exec-1");
        ThreadContext inContainer = new ThreadContext(4711, 4790, 0, 0, "java", "4f1d2c3b5a69", 1, 27);
        ThreadContext renamed = names.rename(inContainer);
        assertEquals("http-nio-8080-exec-1", renamed.comm());
        assertEquals(4790, renamed.tid());
        assertEquals(27, renamed.vtid());
        assertEquals("4f1d2c3b5a69", renamed.containerId());
        // the host thread 27 of another process, and the host thread 4790 of this one, keep their names
        ThreadContext other = new ThreadContext(27, 27, 0, 0, "cron", "");
        assertSame(other, names.rename(other));
        ThreadContext hostIdOnly = new ThreadContext(4711, 27, 0, 0, "java", "4f1d2c3b5a69", 1, 90);
        assertSame(hostIdOnly, names.rename(hostIdOnly));
    }

    @Test
    void aHostJvmsThreadIsNamedByItsHostId() {
        JavaThreadNames names = new JavaThreadNames(1024);
        names.put(300, 305, "main");
        assertEquals("main", names.rename(new ThreadContext(300, 305, 0, 0, "java", "")).comm());
    }
}
