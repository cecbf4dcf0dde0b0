import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * Run in a container (java HttpServe.java PORT): serves HTTP on 127.0.0.1:PORT, answering every path with
 * 200 and "ok", until a request for /quit, then ends. Reads and writes each connection on its own socket
 * (busybox's httpd moves the socket to its standard input and output, two descriptors).
 */
public class HttpServe {
    public static void main(String[] args) throws Exception {
        CountDownLatch quit = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 16);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            if (exchange.getRequestURI().getPath().equals("/quit")) {
                quit.countDown();
            }
        });
        server.start();
        quit.await();
        server.stop(0);
    }
}
