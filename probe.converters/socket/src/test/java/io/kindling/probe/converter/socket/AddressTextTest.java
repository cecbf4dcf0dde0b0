package io.kindling.probe.converter.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressTextTest {

    @Test
    void ipv4IsDottedDecimalInNetworkOrder() {
        assertEquals("127.0.0.1", AddressText.format(new byte[] {127, 0, 0, 1}));
        assertEquals("255.254.10.0", AddressText.format(new byte[] {(byte) 255, (byte) 254, 10, 0}));
        assertEquals("0.0.0.0", AddressText.format(new byte[4]));
    }

    @Test
    void otherLengthsAreNoAddress() {
        assertNull(AddressText.format(new byte[0]));
        assertNull(AddressText.format(null));
        assertNull(AddressText.format(new byte[6]));
    }

    /** Expected texts are what glibc's inet_ntop, which sysdig uses, prints for these bytes. */
    @ParameterizedTest(name = "{1}")
    @CsvSource({
            "00000000000000000000000000000000, ::",
            "00000000000000000000000000000001, ::1",
            "00000000000000000000ffff01020304, ::ffff:1.2.3.4",
            "00000000000000000000000001020304, ::1.2.3.4",
            "00000000000000000000000000000100, ::100",
            "00010000000000000000000000000000, 1::",
            "00010000000000010000000000000001, 1:0:0:1::1",
            "00010000000000000001000000000001, 1::1:0:0:1",
            "00010000000100000001000000010000, 1:0:1:0:1:0:1:0",
            "fe800000000000000000000000000001, fe80::1",
            "20010db8000000000000ff0000428329, 2001:db8::ff00:42:8329",
            "00000000000000000000ffff00000000, ::ffff:0.0.0.0",
            "0000000000000000ffff000001020304, ::ffff:0:102:304",
            "00000000000000000000fffe01020304, ::fffe:102:304",
            "00010002000300040005000600070008, 1:2:3:4:5:6:7:8",
            "00000001000000000000000000000000, 0:1::",
            "2a0014504001082b0000000000002004, 2a00:1450:4001:82b::2004",
            "26001f18262c65429aa6df7a9a47d29e, 2600:1f18:262c:6542:9aa6:df7a:9a47:d29e",
            "2607f8b040040802000000000000200e, 2607:f8b0:4004:802::200e",
            "20014860486000000000000000008888, 2001:4860:4860::8888",
    })
    void ipv6IsPrintedLikeInetNtop(String hex, String text) {
        assertEquals(text, AddressText.format(HexFormat.of().parseHex(hex)));
    }
}
