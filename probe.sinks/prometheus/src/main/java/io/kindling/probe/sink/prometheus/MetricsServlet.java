package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.control.Statistics;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Answers a scrape: the sink's {@link EventMetrics} and, when the probe's statistics are at hand,
 * its {@link ProbeMetrics}, in the Prometheus text format.
 */
final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient EventMetrics metrics;
    private final transient Supplier<Statistics> statistics;

    /** {@code statistics} may return {@code null} when the probe is not there. */
    MetricsServlet(EventMetrics metrics, Supplier<Statistics> statistics) {
        this.metrics = metrics;
        this.statistics = statistics;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = render().getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(TextFormat.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    String render() throws IOException {
        StringWriter out = new StringWriter(16 * 1024);
        metrics.write(out);
        Statistics s = statistics.get();
        if (s != null) {
            ProbeMetrics.write(s, out);
        }
        return out.toString();
    }
}
