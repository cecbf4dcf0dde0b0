package io.kindling.probe.sink.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExampleSinkTest {

    private static ExampleSink.Config config(int top) {
        return new ExampleSink.Config() {
            @Override public int top() { return top; }
            @Override public Class<? extends Annotation> annotationType() { return ExampleSink.Config.class; }
        };
    }

    private static KindlingEvent event(String name) {
        return new KindlingEvent(name, Category.NET, Source.SYSCALL_EXIT, 1, 0, null);
    }

    @Test
    void countsPerNameAndPrintsOneLinePerFlush() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ExampleSink sink = new ExampleSink(config(2), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        for (String name : new String[] {"connect", "read", "read", "write"}) {
            sink.deliver(event(name));
        }
        sink.flush();
        sink.flush(); // nothing new: no second line
        assertEquals("example: 4 events (read 2, connect 1, ...)\n",
                bytes.toString(StandardCharsets.UTF_8));
    }
}
