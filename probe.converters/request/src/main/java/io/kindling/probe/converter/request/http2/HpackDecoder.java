package io.kindling.probe.converter.request.http2;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * An HPACK header-block decoder (RFC 7541) for one direction of one connection, as a bystander sees it: its
 * dynamic table may hold entries it never saw (the connection was opened before the capture, or a header block
 * went by beyond what the capture kept). Such entries are <em>unknown</em>: a header that refers to one is not
 * named (it is counted), while static-table and literal headers still decode. The entries added after the gap are
 * known exactly (eviction takes the oldest first, so whether a known entry is still there depends only on the
 * newer ones), so the table recovers as the encoder adds new entries, and wholly on a table-size update to 0.
 * <p>
 * Memory is bounded: the table holds at most {@link #MAX_TABLE_SIZE} octets of entries as HPACK counts them, a
 * decoded string at most {@link #MAX_STRING} characters.
 */
final class HpackDecoder {
    /** The largest dynamic table followed; an encoder that announces more is followed as far as this. */
    static final int MAX_TABLE_SIZE = 65536;
    /** The longest Huffman-coded string decoded (a block is bounded by its frames, and so its other strings). */
    static final int MAX_STRING = 65536;

    /** Receives the decoded headers of a block; a null name is a header whose name is unknown. */
    interface Headers {
        void header(String name, String value);
    }

    /** How a block went. */
    enum Result { DECODED, MALFORMED }

    private static final String[][] STATIC = {
        {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
        {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
        {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
        {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
        {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""}, {"cache-control", ""},
        {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""}, {"content-length", ""},
        {"content-location", ""}, {"content-range", ""}, {"content-type", ""}, {"cookie", ""}, {"date", ""}, {"etag", ""},
        {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""}, {"if-match", ""}, {"if-modified-since", ""},
        {"if-none-match", ""}, {"if-range", ""}, {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""},
        {"location", ""}, {"max-forwards", ""}, {"proxy-authenticate", ""}, {"proxy-authorization", ""}, {"range", ""},
        {"referer", ""}, {"refresh", ""}, {"retry-after", ""}, {"server", ""}, {"set-cookie", ""},
        {"strict-transport-security", ""}, {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""},
        {"www-authenticate", ""}};

    /** An entry of the dynamic table; a null name or value is one whose text is unknown (its size is then at least {@code size}). */
    private record Entry(String name, String value, int size) {
    }

    /** Newest first. */
    private final ArrayDeque<Entry> table = new ArrayDeque<>();
    private int size;
    private int maxSize = 4096;
    /** Whether entries older than the known ones may exist, unseen. */
    private boolean unknownTail;
    /** Headers of the last block that referred to unknown entries. */
    private int unknownRefs;

    /** A decoder for a connection seen from its start (the table is empty) or not ({@code unknownTail}). */
    HpackDecoder(boolean unknownTail) {
        this.unknownTail = unknownTail;
    }

    /** A header block went by that was not seen whole: the entries it may have added shift every index; all are unknown. */
    void lost() {
        table.clear();
        size = 0;
        unknownTail = true;
    }

    /** Whether every entry of the dynamic table is known. */
    boolean synced() {
        if (unknownTail) {
            return false;
        }
        for (Entry e : table) {
            if (e.name == null || e.value == null) {
                return false;
            }
        }
        return true;
    }

    int entries() {
        return table.size();
    }

    /** The table's size as HPACK counts it (its known entries). */
    int size() {
        return size;
    }

    /** The table's largest size as the peer's settings allow it, before the encoder says otherwise. */
    void maxSize(int max) {
        resize(max);
    }

    /** How many headers of the last block referred to entries that are unknown. */
    int unknownRefs() {
        return unknownRefs;
    }

    /** Decodes a whole header block, giving each header to {@code out}; never throws. */
    Result decode(byte[] b, int off, int len, Headers out) {
        unknownRefs = 0;
        int end = off + len;
        int[] pos = {off};
        while (pos[0] < end) {
            int first = b[pos[0]] & 0xff;
            if ((first & 0x80) != 0) { // indexed header field
                long index = integer(b, pos, end, 7);
                if (index <= 0) {
                    return malformed();
                }
                Entry e = entry(index);
                if (e == null) {
                    return malformed();
                }
                if (e.name == null || e.value == null) {
                    unknownRefs++;
                }
                out.header(e.name, e.value);
            } else if ((first & 0xe0) == 0x20) { // dynamic table size update
                long max = integer(b, pos, end, 5);
                if (max < 0) {
                    return malformed();
                }
                resize(max);
            } else {
                boolean indexing = (first & 0xc0) == 0x40;
                long index = integer(b, pos, end, indexing ? 6 : 4);
                if (index < 0) {
                    return malformed();
                }
                String name;
                int nameLength;
                boolean nameKnown = true;
                if (index == 0) {
                    name = string(b, pos, end);
                    if (name == null) {
                        return malformed();
                    }
                    nameLength = name.length();
                } else {
                    Entry e = entry(index);
                    if (e == null) {
                        return malformed();
                    }
                    name = e.name;
                    nameKnown = name != null;
                    nameLength = name == null ? 0 : name.length();
                }
                String value = string(b, pos, end);
                if (value == null) {
                    return malformed();
                }
                int valueLength = value.length();
                if (!nameKnown) {
                    unknownRefs++;
                }
                out.header(name, value);
                if (indexing) {
                    add(nameKnown ? new Entry(name, value, 32 + nameLength + valueLength) : new Entry(null, value, 32 + valueLength),
                            nameKnown);
                }
            }
        }
        return Result.DECODED;
    }

    private Result malformed() {
        lost(); // what the block did to the table is not known
        return Result.MALFORMED;
    }

    /** The entry at an HPACK index (1..61 static, then dynamic), an unknown entry, or null when none can be there. */
    private Entry entry(long index) {
        if (index <= STATIC.length) {
            String[] s = STATIC[(int) index - 1];
            return new Entry(s[0], s[1], 0);
        }
        long d = index - STATIC.length - 1;
        if (d < table.size()) {
            int i = 0;
            for (Iterator<Entry> it = table.iterator(); it.hasNext(); i++) {
                Entry e = it.next();
                if (i == d) {
                    return e;
                }
            }
        }
        return unknownTail && d < MAX_TABLE_SIZE / 32 ? new Entry(null, null, 32) : null;
    }

    private void add(Entry e, boolean sizeExact) {
        if (e.size > maxSize) {
            table.clear(); // an entry larger than the table empties it, and is not added
            size = 0;
            unknownTail = false;
            return;
        }
        table.addFirst(e);
        size += e.size;
        evict();
        if (!sizeExact) {
            // the entry may be larger than counted: whether the older ones are still there is not known
            while (table.peekLast() != e) {
                size -= table.pollLast().size;
            }
            unknownTail = true;
        }
    }

    private void resize(long max) {
        maxSize = (int) Math.min(max, MAX_TABLE_SIZE);
        evict();
        if (maxSize == 0) {
            unknownTail = false; // an empty table is known
        }
    }

    private void evict() {
        while (size > maxSize && !table.isEmpty()) {
            size -= table.pollLast().size;
        }
    }

    /** An HPACK integer with an N-bit prefix at pos, or -1 when it runs past the end or beyond 2^28. */
    private static long integer(byte[] b, int[] pos, int end, int prefix) {
        int mask = (1 << prefix) - 1;
        long v = b[pos[0]++] & mask;
        if (v < mask) {
            return v;
        }
        int shift = 0;
        while (pos[0] < end) {
            int octet = b[pos[0]++] & 0xff;
            v += (long) (octet & 0x7f) << shift;
            if (v > 1 << 28) {
                return -1;
            }
            if ((octet & 0x80) == 0) {
                return v;
            }
            shift += 7;
            if (shift > 28) {
                return -1;
            }
        }
        return -1;
    }

    /** A string literal at pos (Huffman or not), or null when it is malformed or runs past the end. */
    private static String string(byte[] b, int[] pos, int end) {
        if (pos[0] >= end) {
            return null;
        }
        boolean huffman = (b[pos[0]] & 0x80) != 0;
        long length = integer(b, pos, end, 7);
        if (length < 0 || length > end - pos[0]) {
            return null;
        }
        int start = pos[0];
        pos[0] += (int) length;
        if (huffman) {
            return Huffman.decode(b, start, (int) length, MAX_STRING);
        }
        return new String(b, start, (int) length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
