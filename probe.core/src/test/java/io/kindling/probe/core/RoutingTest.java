package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.GeneratedCapture.Recorder;
import io.kindling.probe.inspector.NativeInspector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The routing on the real inspector's event table: what each sink selects and how it is named, the
 * inspector's filter as the union of what is selected and needed, a wrong configuration refused
 * whole, a name that only a converter emits accepted once that converter is there, and a new
 * version for each change, signalled to whoever waits for it.
 */
class RoutingTest {
    private static NativeInspector inspector;
    private Routing routing;

    @BeforeAll
    static void inspector() {
        inspector = GeneratedCapture.inspector();
    }

    @BeforeEach
    void routing() {
        routing = new Routing(inspector.eventTable(), () -> 64);
    }

    @AfterEach
    void closeChannels() {
        routing.channels().forEach(SinkChannel::close);
    }

    private static List<Subscription> subscriptions(String... texts) {
        return List.of(texts).stream().map(Subscription::parse).toList();
    }

    /** Whether the filter lets the named event through in some category. */
    private boolean allows(FilterTable filter, String name) {
        Catalog.Target target = routing.catalog().target(name);
        for (int type : target.types()) {
            for (Category c : Category.values()) {
                if (c != Category.NONE && filter.allows(type, c.code())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void aSinkIsRoutedWithItsSubscriptionsUnderTheNamingRule() throws Exception {
        Recorder sink = new Recorder();
        long before = routing.tables().version();
        routing.putSink(sink, Map.of("component.name", "reader", "service.id", 41L,
                Sink.SUBSCRIPTIONS, new String[] {"syscall_exit-read"}, Sink.QUEUE_SIZE, 5));
        Routing.Tables t = routing.tables();
        assertEquals(before + 1, t.version());
        assertEquals(1, t.routes().length);
        assertEquals("reader", t.routes()[0].name(), "no kindling.sink.name: the component name, as Sink.nameOf says");
        assertEquals(Map.of("reader", subscriptions("syscall_exit-read")), routing.view().sinks());
        assertEquals(subscriptions("syscall_exit-read"), t.union().subscriptions());
        assertTrue(allows(t.union().table(), "syscall_exit-read"));
        assertFalse(allows(t.union().table(), "syscall_exit-write"));
        assertTrue(routing.changes().await(() -> routing.tables().version() > before, 1, TimeUnit.SECONDS));
    }

    @Test
    void aWrongConfigurationIsRefusedWholeAndTheSinkKeepsWhatItHad() {
        Recorder sink = new Recorder();
        routing.putSink(sink, Map.of(Sink.NAME, "s", Sink.SUBSCRIPTIONS, new String[] {"syscall_exit-read"}));
        routing.putSink(sink, Map.of(Sink.NAME, "s", Sink.SUBSCRIPTIONS, new String[] {"syscall_exit-write", "syscall_exit-reed"}));
        assertEquals(Map.of("s", subscriptions("syscall_exit-read")), routing.view().sinks());
        assertFalse(allows(routing.tables().union().table(), "syscall_exit-write"));

        Recorder fresh = new Recorder();
        routing.putSink(fresh, Map.of(Sink.NAME, "fresh", Sink.SUBSCRIPTIONS, new String[] {"no_such_event"}));
        assertEquals(List.of(), routing.view().sinks().get("fresh"), "a new sink with a wrong configuration receives nothing");
        assertEquals(1, routing.tables().routes().length, "only the sink that selects something is routed");
    }

    /** Emits x_event from the switches it needs. */
    static final class Emitting implements Converter {
        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {}
    }

    @Test
    void aConverterIsActiveWhileASinkSubscribesToWhatItEmits() {
        Recorder sink = new Recorder();
        routing.putSink(sink, Map.of(Sink.NAME, "x", Sink.SUBSCRIPTIONS, new String[] {"x_event"}));
        assertEquals(List.of(), routing.view().sinks().get("x"), "x_event is unknown until a converter emits it");

        Emitting converter = new Emitting();
        routing.putConverter(converter, Map.of(Converter.EMITS, "x_event", Converter.NEEDS, "tracepoint-sched_switch",
                Converter.NEEDS_THREADLESS, "tracepoint-sched_switch", "service.id", 7L));
        assertEquals(subscriptions("x_event"), routing.view().sinks().get("x"), "accepted once the converter is there");
        Routing.Tables t = routing.tables();
        assertEquals(1, t.observers().length);
        ConverterEntry entry = t.observers()[0].entry;
        assertSame(converter, entry.converter);
        assertTrue(entry.active);
        assertEquals("converter-7", entry.name, "no name, no component name: Converter.nameOf");
        assertTrue(allows(t.union().table(), "tracepoint-sched_switch"), "its needs reach the inspector's filter");
        assertTrue(allows(t.threadless(), "tracepoint-sched_switch"));

        routing.putSink(sink, Map.of(Sink.NAME, "x", Sink.SUBSCRIPTIONS, new String[0]));
        Routing.Tables idle = routing.tables();
        assertEquals(0, idle.observers().length, "no sink wants what it emits: inactive");
        assertFalse(entry.active);
        assertFalse(allows(idle.union().table(), "tracepoint-sched_switch"), "nor are its needs read");
    }

    @Test
    void aRemovedSinkLeavesRoutingWithItsChannel() {
        Recorder sink = new Recorder();
        routing.putSink(sink, Map.of(Sink.NAME, "gone", Sink.SUBSCRIPTIONS, new String[] {"all"}));
        SinkChannel channel = routing.tables().routes()[0];
        Routing.Removed removed = routing.removeSink(sink);
        assertSame(channel, removed.channel());
        assertEquals(routing.tables().version(), removed.version());
        assertEquals(0, routing.tables().routes().length);
        assertTrue(routing.tables().union().table().isEmpty(), "nothing is selected: every event is dropped in the inspector");
        channel.close();
        assertEquals(null, routing.removeSink(sink).channel(), "removing it again finds nothing");
    }

    @Test
    void suppressedNamesReachTheTables() {
        routing.suppress(List.of("curl", "sshd"));
        assertEquals(List.of("curl", "sshd"), routing.tables().suppressed());
        assertEquals(List.of("curl", "sshd"), routing.view().suppressed());
        assertArrayEquals(new SinkChannel[0], routing.tables().routes());
    }
}
