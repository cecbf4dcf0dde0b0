package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The strings of a batch: the bytes the shim copied, read up to the first NUL. */
class StringCacheTest {

    private static ByteBuffer bytes(String s) {
        // batch memory is little-endian, as the cache reads it
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void aStringEndsAtItsFirstNul() {
        StringCache cache = new StringCache();
        assertEquals("nginx", cache.get(bytes("nginx\0worker"), 0, 12));
        assertEquals("", cache.get(bytes("\0abc"), 0, 4));
        assertEquals("/var/log/nginx/access.log", cache.get(bytes("/var/log/nginx/access.log"), 0, 25));
        assertEquals("", cache.get(bytes("abc"), 0, 0));
    }

    @Test
    void theSameBytesGiveTheSameStringAndOtherBytesTheirOwn() {
        StringCache cache = new StringCache();
        ByteBuffer buf = bytes("xx/tmp/a.txt\0\0\0/tmp/b.txt");
        String a = cache.get(buf, 2, 10);
        assertEquals("/tmp/a.txt", a);
        assertSame(a, cache.get(buf, 2, 10), "read again: the same String");
        assertEquals("/tmp/b.txt", cache.get(buf, 15, 10));
        assertEquals("/tmp/a.txt", cache.get(buf, 2, 11), "the same text before a NUL");
        assertEquals("/tmp/b.tx", cache.get(buf, 15, 9), "a shorter length is another string");
    }
}
