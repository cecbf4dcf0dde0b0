package io.kindling.probe.converter.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** max_log_bytes bounds the log in UTF-8 bytes: the lengths agree with the JDK's encoder, and no character is cut. */
class Utf8Test {

    private static final String MIXED = "a\u00e9\u20ac\uD83D\uDE00z"; // 1, 2, 3, 4 and 1 bytes

    @Test
    void lengthIsTheEncodedLength() {
        assertEquals(MIXED.getBytes(StandardCharsets.UTF_8).length, Utf8.length(MIXED, 0, MIXED.length()));
        assertEquals(11, Utf8.length(MIXED, 0, MIXED.length()));
    }

    @Test
    void prefixStopsBeforeTheCharacterThatDoesNotFit() {
        int[] expected = {0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 5, 6, 6};
        for (int room = 0; room < expected.length; room++) {
            int fits = Utf8.prefixFitting(MIXED, room);
            assertEquals(expected[room], fits, "chars that fit in " + room + " bytes");
            byte[] encoded = MIXED.substring(0, fits).getBytes(StandardCharsets.UTF_8);
            assertEquals(true, encoded.length <= room, "the prefix encodes within " + room + " bytes");
        }
    }
}
