package io.kindling.probe.converter.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.testing.TestRawEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FileConverterTest {

    private final FileConverter converter = new FileConverter();

    private FdContext convert(FdType type, String fdName) {
        TestRawEvent raw = new TestRawEvent().fd(3, type, fdName);
        KindlingEvent event = raw.toEvent();
        converter.convert(raw, event, e -> { throw new AssertionError("the file converter emits nothing"); });
        return event.fd();
    }

    @ParameterizedTest(name = "{0} -> {1} in {2}")
    @CsvSource(nullValues = "null", value = {
            "/etc/passwd, passwd, /etc",
            "/passwd, passwd, /",
            "/usr/lib/x86_64-linux-gnu/libc.so.6, libc.so.6, /usr/lib/x86_64-linux-gnu",
            "//x, x, /",
            "a/b, b, a",
            "/tmp/, null, null",
            "/, null, null",
            "relative, null, null",
            "'', null, null",
    })
    void splitsAtTheLastSlash(String fdName, String filename, String directory) {
        FdContext fd = convert(FdType.FILE, fdName);
        assertEquals(filename, fd.filename());
        assertEquals(directory, fd.directory());
        assertEquals(3, fd.num());
        assertEquals(FdType.FILE, fd.type());
    }

    @Test
    void fileV2IsAFileToo() {
        FdContext fd = convert(FdType.FILE_V2, "/var/log/syslog");
        assertEquals("syslog", fd.filename());
        assertEquals("/var/log", fd.directory());
    }

    @Test
    void leavesOtherFdTypesAlone() {
        FdContext fd = convert(FdType.DIRECTORY, "/etc/ssl");
        assertNull(fd.filename());
        assertNull(fd.directory());
    }

    @Test
    void doesNothingWithoutFd() {
        TestRawEvent raw = new TestRawEvent();
        KindlingEvent event = raw.toEvent();
        converter.convert(raw, event, e -> { });
        assertNull(event.fd());
    }

    @Test
    void toleratesAMissingName() {
        assertNull(convert(FdType.FILE, null).filename());
    }
}
