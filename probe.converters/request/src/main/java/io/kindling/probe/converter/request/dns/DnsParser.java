package io.kindling.probe.converter.request.dns;

import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import org.osgi.service.component.annotations.Component;

/**
 * DNS over UDP (one datagram a message) and over TCP (each message after its 2-byte length): queries pair with
 * responses by id ({@code dns_id}); {@code dns_domain} is the first question's name (also the content key),
 * {@code dns_rcode} the response code, an error when not 0 (NXDOMAIN included, as Kindling counts it).
 */
@Component(service = ProtocolParser.class, property = "service.ranking:Integer=40")
public final class DnsParser implements ProtocolParser {
    private static final int HEADER = 12;

    @Override
    public String protocol() {
        return "dns";
    }

    @Override
    public boolean datagrams() {
        return true;
    }

    @Override
    public Message request(Payload p) {
        int base = p.datagram() ? 0 : 2;
        int flags = p.u16(base + 2);
        if (flags < 0 || (flags & 0x8000) != 0 || (flags >> 11 & 0xf) > 2 || (flags & 0x000f) != 0) {
            return null; // a response, an opcode other than query, inverse query or status, or an rcode in a query
        }
        int qd = p.u16(base + 4);
        if (qd < 1 || qd > 8 || p.u16(base + 6) != 0 || p.u16(base + 8) != 0 || p.u16(base + 10) > 8) {
            return null;
        }
        int id = p.u16(base);
        String domain = name(p, base + HEADER);
        if (domain == null) {
            return null;
        }
        long length = p.datagram() ? p.remaining() : 2L + p.u16(0);
        if (!p.datagram() && (p.u16(0) < HEADER + 5)) {
            return null;
        }
        return new Message().id(id).length(length).attribute("dns_id", id).attribute("dns_domain", domain).contentKey(domain)
                .state(question(p, base, domain));
    }

    /** The first question's name and type, as a response repeats it; null when cut. */
    private static String question(Payload p, int base, String domain) {
        int at = base + HEADER;
        while (p.u8(at) > 0) {
            at += 1 + p.u8(at);
        }
        int type = p.u8(at) < 0 ? -1 : p.u16(at + 1);
        return type < 0 ? null : domain.toLowerCase(java.util.Locale.ROOT) + "/" + type;
    }

    /** A response answers the request whose question it repeats (or any of its id, when it repeats none). */
    @Override
    public boolean answers(Payload p, Message request) {
        int base = p.datagram() ? 0 : 2;
        if (p.u16(base + 4) < 1 || !(request.state() instanceof String asked)) {
            return true;
        }
        String domain = name(p, base + HEADER);
        String question = domain == null ? null : question(p, base, domain);
        return question == null || question.equals(asked);
    }

    @Override
    public long responseId(Payload p) {
        int base = p.datagram() ? 0 : 2;
        int flags = p.u16(base + 2);
        return flags < 0 || (flags & 0x8000) == 0 ? -1 : p.u16(base);
    }

    @Override
    public Message response(Payload p, Message request) {
        int base = p.datagram() ? 0 : 2;
        int flags = p.u16(base + 2);
        if (flags < 0 || (flags & 0x8000) == 0) {
            return null;
        }
        int rcode = flags & 0xf;
        long length = p.datagram() ? p.remaining() : 2L + p.u16(0);
        return new Message().length(length).attribute("dns_rcode", rcode).error(rcode != 0);
    }

    /** The name at {@code at} (labels, no compression in a question), dotted; null when malformed or cut. */
    private static String name(Payload p, int at) {
        StringBuilder s = new StringBuilder();
        int i = at;
        for (int labels = 0; labels < 128; labels++) {
            int len = p.u8(i);
            if (len < 0 || len > 63) {
                return null;
            }
            if (len == 0) {
                return s.length() == 0 ? "." : s.toString();
            }
            if (i + 1 + len > p.captured()) {
                return null;
            }
            if (s.length() > 0) {
                s.append('.');
            }
            for (int j = 1; j <= len; j++) {
                int c = p.u8(i + j);
                if (c <= ' ' || c >= 127) {
                    return null;
                }
                s.append((char) c);
            }
            i += 1 + len;
        }
        return null;
    }
}
