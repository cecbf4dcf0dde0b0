package io.kindling.probe.converter.apm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The marker formats of Kindling's Java agent, as the Kindling probe splits them, and what is malformed. */
class MarkerTest {

    private static Marker parse(String s) throws Marker.Malformed {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Marker.parse(b, b.length);
    }

    @Test
    void eachKindIsSplitAtItsFieldEnds() throws Exception {
        Marker jf = parse("kd-jf@1700000000000000001!1700000000000500000!4711!");
        assertEquals(Marker.Kind.FUTEX, jf.kind());
        assertEquals(1700000000000000001L, jf.number(0));
        assertEquals(1700000000000500000L, jf.number(1));

        Marker tx = parse("kd-txid@abc123!1!http!/shop/items/7!trailing bytes are ignored");
        assertArrayEquals(new String[] {"abc123", "1", "http", "/shop/items/7"}, tx.fields());

        Marker span = parse("kd-span@1!1700000000000000001!SELECT x!abc123!");
        assertTrue(span.versioned());
        assertArrayEquals(new String[] {"1700000000000000001", "SELECT x", "abc123"}, span.fields());
        Marker old = parse("kd-span@250000!GET redis!abc123!");
        assertTrue(!old.versioned());
        assertEquals(250000L, old.number(0));

        Marker tm = parse("kd-tm@4711!http-nio-8090-exec-1!");
        assertEquals(Marker.Kind.THREAD_NAME, tm.kind());
        assertEquals(4711L, tm.number(0));
        assertEquals("http-nio-8090-exec-1", tm.fields()[1]);
    }

    @Test
    void aPrefixAloneOrOtherTextIsNoMarker() throws Exception {
        assertNull(parse("kd-jf@"));
        assertNull(parse("kd-txid@"));
        assertNull(parse("GET / HTTP/1.1"));
        assertNull(parse("kd-other@1!"));
    }

    @Test
    void malformedMarkersAreRefused() {
        for (String s : new String[] {"kd-txid@abc", "kd-jf@12a4!99!1!", "kd-span@1", "kd-tm@!worker!",
            "kd-txid@abc!2!http!/x!", "kd-span@1!1700000000000000001!SELECT", "kd-jf@1!2!", "kd-tm@12!!",
            "kd-txid@!1!http!/x!", "kd-jf@99999999999999999999!1!1!"}) {
            assertThrows(Marker.Malformed.class, () -> parse(s), s);
        }
    }

    @Test
    void randomBytesAfterAPrefixNeverThrowAnythingElse() {
        Random r = new Random(42);
        String[] prefixes = {"kd-jf@", "kd-txid@", "kd-span@", "kd-tm@", "kd-span@1!"};
        int parsed = 0;
        int refused = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] p = prefixes[r.nextInt(prefixes.length)].getBytes(StandardCharsets.US_ASCII);
            byte[] b = new byte[p.length + r.nextInt(40)];
            System.arraycopy(p, 0, b, 0, p.length);
            for (int i = p.length; i < b.length; i++) {
                int k = r.nextInt(4);
                b[i] = (byte) (k == 0 ? '!' : k == 1 ? '0' + r.nextInt(10) : r.nextInt(256));
            }
            try {
                if (Marker.parse(b, b.length) != null) {
                    parsed++;
                }
            } catch (Marker.Malformed e) {
                refused++;
            }
        }
        assertTrue(parsed > 100 && refused > 100, parsed + " parsed, " + refused + " refused");
    }
}
