package io.kindling.probe.generator.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Simulated time in nanoseconds since the epoch, with date strings for the current second rendered
 * once per simulated second.
 */
public final class SimClock {

    /** 2022-03-16T12:00:00Z, the day of the libs version the captures target. */
    public static final long START_NS = 1_647_432_000_000_000_000L;

    private static final DateTimeFormatter HTTP = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final DateTimeFormatter SYSLOG = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    long now = START_NS;
    private long second = -1;
    private byte[] http;
    private byte[] clf;
    private byte[] syslog;

    private void refresh() {
        long s = Math.floorDiv(now, 1_000_000_000L);
        if (s != second) {
            second = s;
            ZonedDateTime t = Instant.ofEpochSecond(s).atZone(ZoneOffset.UTC);
            http = Bytes.ascii(HTTP.format(t));
            clf = Bytes.ascii(CLF.format(t));
            syslog = Bytes.ascii(SYSLOG.format(t));
        }
    }

    /** e.g. {@code Wed, 16 Mar 2022 12:00:01 GMT} */
    byte[] httpDate() {
        refresh();
        return http;
    }

    /** e.g. {@code 16/Mar/2022:12:00:01 +0000} */
    byte[] clfDate() {
        refresh();
        return clf;
    }

    /** e.g. {@code Mar 16 12:00:01} */
    byte[] syslogDate() {
        refresh();
        return syslog;
    }
}
