package io.kindling.probe.converter.request.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decoder against the examples of RFC 7541, Appendix C, and as a bystander that joins a connection late. */
class HpackDecoderTest {

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static List<String> decode(HpackDecoder d, String hex) {
        List<String> out = new ArrayList<>();
        byte[] b = hex(hex);
        HpackDecoder.Result r = d.decode(b, 0, b.length, (n, v) -> out.add(n + ": " + v));
        assertEquals(HpackDecoder.Result.DECODED, r, hex);
        return out;
    }

    @Test
    void literalAndIndexedFields_C2() {
        HpackDecoder d = new HpackDecoder(false);
        assertEquals(List.of("custom-key: custom-header"), decode(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        assertEquals(55, d.size());
        d = new HpackDecoder(false);
        assertEquals(List.of(":path: /sample/path"), decode(d, "040c 2f73 616d 706c 652f 7061 7468"));
        assertEquals(0, d.size());
        assertEquals(List.of("password: secret"), decode(d, "1008 7061 7373 776f 7264 0673 6563 7265 74"));
        assertEquals(0, d.size());
        assertEquals(List.of(":method: GET"), decode(d, "82"));
    }

    @Test
    void requestsWithoutHuffman_C3() {
        HpackDecoder d = new HpackDecoder(false);
        assertEquals(List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com"),
                decode(d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
        assertEquals(57, d.size());
        assertEquals(List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com", "cache-control: no-cache"),
                decode(d, "8286 84be 5808 6e6f 2d63 6163 6865"));
        assertEquals(110, d.size());
        assertEquals(List.of(":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com", "custom-key: custom-value"),
                decode(d, "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"));
        assertEquals(164, d.size());
        assertEquals(3, d.entries());
    }

    @Test
    void requestsWithHuffman_C4() {
        HpackDecoder d = new HpackDecoder(false);
        assertEquals(List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com"),
                decode(d, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"));
        assertEquals(List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com", "cache-control: no-cache"),
                decode(d, "8286 84be 5886 a8eb 1064 9cbf"));
        assertEquals(List.of(":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com", "custom-key: custom-value"),
                decode(d, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"));
        assertEquals(164, d.size());
    }

    static final List<String> FIRST = List.of(":status: 302", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:21 GMT",
            "location: https://www.example.com");
    static final List<String> SECOND = List.of(":status: 307", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:21 GMT",
            "location: https://www.example.com");
    static final List<String> THIRD = List.of(":status: 200", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:22 GMT",
            "location: https://www.example.com", "content-encoding: gzip",
            "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");

    @Test
    void responsesWithEvictions_C5() {
        HpackDecoder d = new HpackDecoder(false);
        d.maxSize(256);
        assertEquals(FIRST, decode(d, "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32"
                + "3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
        assertEquals(222, d.size());
        assertEquals(SECOND, decode(d, "4803 3330 37c1 c0bf"));
        assertEquals(222, d.size());
        assertEquals(THIRD, decode(d, "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970"
                + "7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b"
                + "2076 6572 7369 6f6e 3d31"));
        assertEquals(215, d.size());
        assertEquals(3, d.entries());
    }

    @Test
    void responsesWithHuffmanAndEvictions_C6() {
        HpackDecoder d = new HpackDecoder(false);
        d.maxSize(256);
        assertEquals(FIRST, decode(d, "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad"
                + "1718 63c7 8f0b 97c8 e9ae 82ae 43d3"));
        assertEquals(222, d.size());
        assertEquals(SECOND, decode(d, "4883 640e ffc1 c0bf"));
        assertEquals(THIRD, decode(d, "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2"
                + "e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"));
        assertEquals(215, d.size());
    }

    @Test
    void huffmanRejectsBadPaddingAndEos() {
        byte[] ok = hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff");
        assertEquals("www.example.com", Huffman.decode(ok, 0, ok.length, 100));
        byte[] zeroPad = hex("18"); // 'a' (00011) and three bits of padding that are zeros
        assertNull(Huffman.decode(zeroPad, 0, zeroPad.length, 100), "padding that is not all ones");
        byte[] eos = hex("ffff ffff");
        assertNull(Huffman.decode(eos, 0, eos.length, 100), "EOS inside a string");
        byte[] longPad = hex("ff");
        assertNull(Huffman.decode(longPad, 0, longPad.length, 100), "8 bits of padding");
        assertEquals("a", Huffman.decode(hex("1f"), 0, 1, 100));
        // every byte value, each alone, round trip through a bit-by-bit reference encoder built from the lengths
        for (int c = 0; c < 256; c++) {
            byte[] enc = HuffmanReference.encode(new byte[] {(byte) c, 'a', (byte) c});
            assertEquals("" + (char) c + 'a' + (char) c, Huffman.decode(enc, 0, enc.length, 100), "symbol " + c);
        }
    }

    @Test
    void joinedLateUnknownEntriesAreCountedNotGuessedAndTheTableRecovers() {
        HpackDecoder d = new HpackDecoder(true); // the connection was open before the capture
        List<String> second = new ArrayList<>();
        byte[] b = hex("8286 84be 5808 6e6f 2d63 6163 6865");
        assertEquals(HpackDecoder.Result.DECODED, d.decode(b, 0, b.length, (n, v) -> second.add(n + ": " + v)));
        assertEquals(List.of(":method: GET", ":scheme: http", ":path: /", "null: null", "cache-control: no-cache"), second);
        assertEquals(1, d.unknownRefs());
        assertFalse(d.synced());
        // the third request refers to its new entry (known) and to the older one (unknown)
        List<String> third = new ArrayList<>();
        b = hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65");
        d.decode(b, 0, b.length, (n, v) -> third.add(n + ": " + v));
        assertEquals(List.of(":method: GET", ":scheme: https", ":path: /index.html", "null: null", "custom-key: custom-value"), third);
        assertEquals(1, d.unknownRefs());
        // entries added after the gap are named exactly
        assertEquals(List.of("custom-key: custom-value", "cache-control: no-cache"), decode(d, "bebf"));
        assertEquals(0, d.unknownRefs());
        // a literal whose name is an unknown entry: its value decodes, the entry it adds is unknown by name
        List<String> mixed = new ArrayList<>();
        b = hex("41 03 6162 63 be"); // :authority (static) = abc, then the newest entry
        d.decode(b, 0, b.length, (n, v) -> mixed.add(n + ": " + v));
        assertEquals(List.of(":authority: abc", ":authority: abc"), mixed);
        // a size update to 0 empties the table: all known again
        decode(d, "20");
        assertTrue(d.synced());
        assertEquals(0, d.entries());
    }

    @Test
    void aLostBlockMakesTheTableUnknownUntilNewEntries() {
        HpackDecoder d = new HpackDecoder(false);
        decode(d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
        assertTrue(d.synced());
        d.lost();
        assertFalse(d.synced());
        List<String> out = new ArrayList<>();
        byte[] b = hex("be");
        d.decode(b, 0, b.length, (n, v) -> out.add(n + ": " + v));
        assertEquals(List.of("null: null"), out);
        assertEquals(1, d.unknownRefs());
    }

    @Test
    void malformedBlocksNeverThrowAndTheTableStaysBounded() {
        Random r = new Random(7);
        HpackDecoder d = new HpackDecoder(false);
        d.maxSize(1 << 30); // announced larger than followed
        int malformed = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[r.nextInt(64)];
            r.nextBytes(b);
            if (i % 3 == 0 && b.length > 2) {
                b[0] = (byte) (0x40 | r.nextInt(64)); // literal with indexing: grows the table
            }
            if (d.decode(b, 0, b.length, (n, v) -> { }) == HpackDecoder.Result.MALFORMED) {
                malformed++;
            }
            assertTrue(d.size() <= HpackDecoder.MAX_TABLE_SIZE + 32 + 64 * 2, "table size " + d.size());
        }
        assertTrue(malformed > 0);
    }
}
