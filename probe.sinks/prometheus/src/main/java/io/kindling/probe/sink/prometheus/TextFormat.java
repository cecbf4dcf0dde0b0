package io.kindling.probe.sink.prometheus;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * The pieces of the Prometheus text exposition format (version 0.0.4) that the sink writes:
 * {@code # HELP} and {@code # TYPE} lines, and samples with escaped label values.
 */
final class TextFormat {

    /** The Content-Type of a scrape answer. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private TextFormat() {}

    static void header(Appendable out, String name, String type, String help) throws IOException {
        out.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** Writes {@code name{l1="v1",...} value}; {@code extraName}/{@code extraValue} add one more label (le). */
    static void sample(Appendable out, String name, List<String> labelNames, List<String> labelValues,
            String extraName, String extraValue, String value) throws IOException {
        out.append(name);
        boolean any = !labelNames.isEmpty() || extraName != null;
        if (any) {
            out.append('{');
            boolean first = true;
            for (int i = 0; i < labelNames.size(); i++) {
                first = label(out, first, labelNames.get(i), labelValues.get(i));
            }
            if (extraName != null) {
                label(out, first, extraName, extraValue);
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    static void sample(Appendable out, String name, List<String> labelNames, List<String> labelValues, long value)
            throws IOException {
        sample(out, name, labelNames, labelValues, null, null, Long.toString(value));
    }

    private static boolean label(Appendable out, boolean first, String name, String value) throws IOException {
        if (!first) {
            out.append(',');
        }
        out.append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        out.append('"');
        return false;
    }

    /** A floating-point value as Prometheus reads it, without exponent where that is short. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** Nanoseconds as seconds, exactly (no binary rounding). */
    static String seconds(long nanos) {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }
}
