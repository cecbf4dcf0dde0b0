package io.kindling.probe.converter.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.testing.Captures;
import io.kindling.probe.testing.Collector;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sockets of a Java client as the JDK 17 makes and ends them ({@link JavaSocketsCapture}), through the real
 * engine and native inspector, against sysdig's view of the same capture.
 */
class JavaSocketsTest {

    @BeforeAll
    static void nativeInspector() {
        Captures.assumeNative();
    }

    @Test
    void dualStackConnectsAndDupsOntoConnectionsClose(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("java-sockets.scap");
        JavaSocketsCapture.write(capture);
        TcpConnectionConverter converter = new TcpConnectionConverter(1024);
        Collector sink = TcpCaptureTest.replay(capture, converter);
        SysdigTcpView view = new SysdigTcpView(capture);
        TcpCaptureTest.assertAgrees(view, sink);

        String to = "->127.0.0.1:8080";
        assertEquals(List.of("conn_connect 127.0.0.1:40001" + to + " 0", "conn_connect 127.0.0.1:40002" + to + " 0",
                "conn_connect 127.0.0.1:40003" + to + " 0", "conn_connect 127.0.0.1:40004" + to + " 0"),
                sink.named("conn_connect").stream().map(TcpCaptureTest::line).toList());
        assertEquals(List.of(
                "conn_close 127.0.0.1:40001" + to + " client sent=100 received=30 writes=1 reads=1",
                "conn_close 127.0.0.1:40002" + to + " client sent=100 received=30 writes=1 reads=1",
                "conn_close 127.0.0.1:40003" + to + " client sent=10 received=0 writes=1 reads=0",
                "conn_close 127.0.0.1:40004" + to + " client sent=5 received=0 writes=1 reads=0"),
                sink.named("conn_close").stream().map(TcpCaptureTest::line).toList());
        // the dual-stack connection keeps its IPv6 socket's addresses, as the kernel's events give them
        assertEquals("::ffff:127.0.0.1", sink.named("conn_close").get(0).fd().sip());
        // the connection that the JDK's dup2 ended closes at the dup2, in the thread that made it
        KindlingEvent second = sink.named("conn_close").get(1);
        assertEquals(JavaSocketsCapture.dupClosesSecond, second.timestamp());
        assertEquals(JavaSocketsCapture.MAIN, second.thread().tid());
        assertEquals(0L, converter.statistics().get("connections"));
    }
}
