package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.GeneratedCapture.Recorder;
import io.kindling.probe.inspector.NativeInspector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the event loop asks a live capture to keep of I/O data while converters that need it are active: a converter's
 * socket figure ({@link Converter#SOCKET_SNAPLEN}) raises socket I/O only, where the capture tells sockets apart, and
 * every I/O call where it cannot; a converter's figure for every call ({@link Converter#SNAPLEN}) raises every call;
 * both go back when the converter is no longer active.
 */
class SnaplenRoutingTest {

    /** A live capture's snaplen calls, each as "io N" or "sockets N"; it tells sockets apart or not. */
    static final class Snaplens implements InspectorSession {
        final boolean socketsApart;
        final List<String> asked = new ArrayList<>();

        Snaplens(boolean socketsApart) {
            this.socketsApart = socketsApart;
        }

        @Override
        public int requireSnaplen(int bytes) {
            asked.add("io " + bytes);
            return Math.max(80, bytes);
        }

        @Override
        public int requireSocketSnaplen(int bytes) {
            if (!socketsApart) {
                return -1;
            }
            asked.add("sockets " + bytes);
            return bytes;
        }

        @Override
        public void setFilter(FilterTable filter) {}

        @Override
        public void setOwnPid(long pid) {}

        @Override
        public RawBatch nextBatch() {
            return null;
        }

        @Override
        public InspectorCounters counters() {
            return InspectorCounters.ZERO;
        }

        @Override
        public void close() {}
    }

    /** The snaplen calls of: a request-like converter becoming active, then an all-I/O one too, then neither. */
    private static List<String> asked(boolean socketsApart) throws Exception {
        NativeInspector inspector = GeneratedCapture.inspector();
        Routing routing = new Routing(inspector.eventTable(), () -> 1024);
        Snaplens session = new Snaplens(socketsApart);
        EventLoop loop = new EventLoop(session, new EngineRun(() -> null), routing, new RunFigures(), 0, 0);
        routing.putConverter((Converter) (raw, event, emitter) -> {}, Map.of(Converter.NAME, "payloads", Converter.EMITS, "x_request", Converter.NEEDS, "syscall_exit-write",
                Converter.SOCKET_SNAPLEN, 4096));
        routing.putConverter((Converter) (raw, event, emitter) -> {}, Map.of(Converter.NAME, "files", Converter.EMITS, "x_file", Converter.NEEDS, "syscall_exit-write",
                Converter.SNAPLEN, 200));
        Recorder requests = new Recorder();
        Recorder files = new Recorder();
        try {
            loop.followRouting();
            routing.putSink(requests, Map.of(Sink.NAME, "requests", Sink.SUBSCRIPTIONS, "x_request"));
            loop.followRouting();
            routing.putSink(files, Map.of(Sink.NAME, "files", Sink.SUBSCRIPTIONS, "x_file"));
            loop.followRouting();
            routing.removeSink(requests);
            routing.removeSink(files);
            loop.followRouting();
        } finally {
            routing.channels().forEach(SinkChannel::close);
        }
        return session.asked;
    }

    @Test
    void aSocketFigureRaisesSocketIoOnlyWhereTheCaptureTellsSocketsApart() throws Exception {
        assertEquals(List.of("sockets 4096", "io 0", "sockets 4096", "io 200", "sockets 0", "io 0"), asked(true));
    }

    @Test
    void aCaptureThatCannotTellSocketsApartRaisesEveryCallToTheSocketFigure() throws Exception {
        assertEquals(List.of("io 4096", "io 4096", "io 0"), asked(false));
    }
}
