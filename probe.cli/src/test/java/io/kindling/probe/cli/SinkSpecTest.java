package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SinkSpecTest {

    private static final List<Subscription> SUBSCRIPTIONS =
            List.of(Subscription.parse("syscall_exit-read:net"), Subscription.parse("all"));

    @Test
    void jsonlWithoutPathWritesToStandardOutput() throws Exception {
        for (String text : List.of("jsonl", "jsonl:", "jsonl:-", "JSONL")) {
            SinkSpec spec = SinkSpec.parse(text);
            assertTrue(spec.toStandardOutput(), text);
            assertEquals("", spec.configuration("jsonl", SUBSCRIPTIONS, "r").get(SinkSpec.PATH));
        }
    }

    @Test
    void jsonlPathIsMadeAbsolute() throws Exception {
        SinkSpec spec = SinkSpec.parse("jsonl:out/events.jsonl");
        assertFalse(spec.toStandardOutput());
        assertTrue(Path.of(spec.path()).isAbsolute());
        assertTrue(spec.path().endsWith("out/events.jsonl"));
        assertEquals("/a:b.jsonl", SinkSpec.parse("jsonl:/a:b.jsonl").path());
    }

    @Test
    void configurationCarriesSubscriptionsNameAndRunId() throws Exception {
        Map<String, Object> jsonl = SinkSpec.parse("jsonl:/tmp/x.jsonl").configuration("jsonl-2", SUBSCRIPTIONS, "run-1");
        assertArrayEquals(new String[] {"syscall_exit-read:net", "all"}, (String[]) jsonl.get(Sink.SUBSCRIPTIONS));
        assertEquals("jsonl-2", jsonl.get(Sink.NAME));
        assertEquals("run-1", jsonl.get(SinkSpec.RUN_ID));
        assertEquals("/tmp/x.jsonl", jsonl.get(SinkSpec.PATH));

        Map<String, Object> console = SinkSpec.CONSOLE.configuration("console", SUBSCRIPTIONS, "run-1");
        assertEquals(Set.of(Sink.SUBSCRIPTIONS, Sink.NAME, SinkSpec.RUN_ID), console.keySet());
    }

    @Test
    void factoryPids() {
        assertEquals("io.kindling.probe.sink.console", SinkSpec.Kind.CONSOLE.factoryPid());
        assertEquals("io.kindling.probe.sink.jsonl", SinkSpec.Kind.JSONL.factoryPid());
    }

    @Test
    void prometheusAndKafka() throws UsageException {
        SinkSpec metrics = SinkSpec.parse("prometheus:0.0.0.0:9600");
        assertEquals("0.0.0.0", metrics.configuration("prometheus", SUBSCRIPTIONS, "r").get("host"));
        assertEquals(9600, metrics.configuration("prometheus", SUBSCRIPTIONS, "r").get("port"));
        assertEquals(9700, SinkSpec.parse("prometheus:9700").configuration("p", SUBSCRIPTIONS, "r").get("port"));
        assertEquals(null, SinkSpec.parse("prometheus").configuration("p", SUBSCRIPTIONS, "r").get("port"));
        assertEquals(false, SinkSpec.parse("prometheus").toStandardOutput());

        SinkSpec kafka = SinkSpec.parse("kafka:b1:9092,b2:9092/probe-events");
        assertEquals("b1:9092,b2:9092", kafka.configuration("kafka", SUBSCRIPTIONS, "r").get("bootstrap.servers"));
        assertEquals("probe-events", kafka.configuration("kafka", SUBSCRIPTIONS, "r").get("topic"));
        assertEquals(null, SinkSpec.parse("kafka:b1:9092").configuration("kafka", SUBSCRIPTIONS, "r").get("topic"));
        assertEquals(false, kafka.toStandardOutput());
    }

    @Test
    void otlp() throws UsageException {
        SinkSpec otlp = SinkSpec.parse("otlp:https://collector.example:4318");
        assertEquals("io.kindling.probe.sink.otlp", otlp.kind().factoryPid());
        assertEquals("https://collector.example:4318", otlp.configuration("otlp", SUBSCRIPTIONS, "r").get("endpoint"));
        assertEquals(null, SinkSpec.parse("otlp").configuration("otlp", SUBSCRIPTIONS, "r").get("endpoint"));
        assertEquals(false, otlp.toStandardOutput());
        UsageException e = org.junit.jupiter.api.Assertions.assertThrows(UsageException.class, () -> SinkSpec.parse("otlp:localhost:4318"));
        assertEquals("the otlp sink takes the OTLP/HTTP base URL: otlp:http://HOST:4318, not 'otlp:localhost:4318'", e.getMessage());
    }

    @Test
    void uniqueNames() {
        assertEquals("console", CommandSinks.uniqueName("console", Set.of("jsonl")));
        assertEquals("jsonl-3", CommandSinks.uniqueName("jsonl", Set.of("jsonl", "jsonl-2")));
    }

    @Test
    void launcherArguments() {
        assertArrayEquals(new String[] {"replay", "x"}, ProbeCommand.toStrings(new String[] {"replay", "x"}));
        assertArrayEquals(new String[] {"live"}, ProbeCommand.toStrings(List.of("live")));
        assertArrayEquals(new String[0], ProbeCommand.toStrings(null));
    }
}
