package io.kindling.probe.converter.request.redis;

import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import java.util.Locale;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Redis (RESP2 and RESP3): requests are arrays of bulk strings, the first of which is the command
 * ({@code redis_command}, also the content key); a response that is an error ({@code -ERR ...}) sets
 * {@code redis_error}. An inline command (a line of words, as typed into a raw connection) is read too, when its
 * first word is one of the common commands. Pipelined requests pair with their responses in order. A message whose
 * end lies beyond what the capture kept runs until the other side speaks.
 */
@Component(service = ProtocolParser.class, property = "service.ranking:Integer=60")
public final class RedisParser implements ProtocolParser {
    /** Commands taken in inline form: other text lines (other protocols' greetings) are not Redis. */
    private static final Set<String> INLINE = Set.of("APPEND", "AUTH", "CLIENT", "COMMAND", "CONFIG", "DBSIZE", "DECR",
            "DECRBY", "DEL", "ECHO", "EXISTS", "EXPIRE", "FLUSHALL", "FLUSHDB", "GET", "GETSET", "HDEL", "HELLO", "HGET",
            "HGETALL", "HSET", "INCR", "INCRBY", "INFO", "KEYS", "LLEN", "LPOP", "LPUSH", "LRANGE", "MGET", "MONITOR",
            "MSET", "PING", "PUBLISH", "QUIT", "RPOP", "RPUSH", "SADD", "SCAN", "SELECT", "SET", "SETEX", "SMEMBERS",
            "STRLEN", "SUBSCRIBE", "TTL", "TYPE", "ZADD", "ZRANGE");

    /** Nesting of aggregates followed at most. */
    private static final int MAX_DEPTH = 8;

    @Override
    public String protocol() {
        return "redis";
    }

    @Override
    public Message request(Payload p) {
        if (p.u8(0) != '*') {
            return inline(p);
        }
        int[] at = {1};
        long count = number(p, at);
        if (count < 1 || count > 1_000_000 || p.u8(at[0]) != '$') {
            return null;
        }
        // the command: the first bulk string, letters only
        int cmdAt = at[0] + 1;
        int[] bulk = {cmdAt};
        long len = number(p, bulk);
        if (len < 1 || len > 64 || bulk[0] + len + 2 > p.captured()) {
            return null;
        }
        String command = p.text(bulk[0], bulk[0] + (int) len);
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '-' || c >= '0' && c <= '9' && i > 0)) {
                return null;
            }
        }
        if (p.u8(bulk[0] + (int) len) != '\r' || p.u8(bulk[0] + (int) len + 1) != '\n') {
            return null;
        }
        command = command.toUpperCase(Locale.ROOT);
        long length = skip(p, 0, 0);
        return new Message().attribute("redis_command", command).contentKey(command).length(length);
    }

    /** An inline command: a line up to its newline, whose first word is a command of {@link #INLINE}. */
    private static Message inline(Payload p) {
        int eol = p.indexOf(0, (byte) '\n');
        if (eol < 1 || eol > 4096) {
            return null;
        }
        int word = 0;
        while (word < eol && word < 16) {
            int c = p.u8(word);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
                word++;
            } else {
                break;
            }
        }
        int after = p.u8(word);
        if (word == 0 || after != ' ' && after != '\r' && after != '\n') {
            return null;
        }
        String command = p.text(0, word).toUpperCase(Locale.ROOT);
        int end = p.u8(eol - 1) == '\r' ? eol - 1 : eol;
        for (int i = word; i < end; i++) {
            int c = p.u8(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return null;
            }
        }
        if (!INLINE.contains(command) || p.startsWith(Math.max(0, end - 9), " HTTP/1.")) {
            return null; // an HTTP request line is not an inline GET
        }
        return new Message().attribute("redis_command", command).contentKey(command).length(eol + 1L);
    }

    @Override
    public Message response(Payload p, Message request) {
        int type = p.u8(0);
        if ("+-:$*_,#!=(%~|>".indexOf(type) < 0 || type < 0) {
            return null;
        }
        Message m = new Message().length(skip(p, 0, 0));
        if (type == '-' || type == '!') {
            int end = p.indexOf(1, (byte) '\r');
            String error = p.text(1, end < 0 ? Math.min(p.captured(), 257) : Math.min(end, 257));
            m.attribute("redis_error", error).error(true);
        }
        return m;
    }

    /** The length of the value at {@code at} up to its end, or -1 when its end lies beyond what is known. */
    private static long skip(Payload p, int at, int depth) {
        int type = p.u8(at);
        int[] cursor = {at + 1};
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(' -> {
                int cr = p.indexOf(at + 1, (byte) '\r');
                return cr < 0 || p.u8(cr + 1) != '\n' ? -1 : cr + 2L - at;
            }
            case '$', '!', '=' -> {
                long len = number(p, cursor);
                if (len == -1 && cursor[0] > at + 1) {
                    return cursor[0] - (long) at; // the null bulk string
                }
                if (len < 0) {
                    return -1;
                }
                long end = cursor[0] + len + 2;
                return end - at; // the end may lie beyond what is known: its length is still known
            }
            case '*', '~', '>', '%', '|' -> {
                long count = number(p, cursor);
                if (count == -1 && cursor[0] > at + 1) {
                    return cursor[0] - (long) at; // the null array
                }
                if (count < 0 || depth >= MAX_DEPTH) {
                    return -1;
                }
                if (type == '%' || type == '|') {
                    count *= 2;
                }
                long pos = cursor[0];
                for (long i = 0; i < count; i++) {
                    if (pos >= p.captured()) {
                        return -1;
                    }
                    long n = skip(p, (int) pos, depth + 1);
                    if (n < 0) {
                        return -1;
                    }
                    pos += n;
                    if (i < count - 1 && pos > p.captured()) {
                        return -1; // a later element's head is beyond what is known
                    }
                }
                return pos - at;
            }
            default -> {
                return -1;
            }
        }
    }

    /** The decimal number at {@code cursor[0]} up to CRLF (cursor moves past it); -2 when there is none. */
    private static long number(Payload p, int[] cursor) {
        int i = cursor[0];
        boolean negative = p.u8(i) == '-';
        if (negative) {
            i++;
        }
        long v = 0;
        int digits = 0;
        while (true) {
            int c = p.u8(i);
            if (c >= '0' && c <= '9' && digits < 18) {
                v = v * 10 + c - '0';
                digits++;
                i++;
            } else if (c == '\r' && p.u8(i + 1) == '\n' && digits > 0) {
                cursor[0] = i + 2;
                return negative ? (v == 1 ? -1 : -2) : v;
            } else {
                return -2;
            }
        }
    }
}
