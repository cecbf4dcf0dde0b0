package io.kindling.probe.converter.cpu.contributor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.testing.TestRawEvent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What the log contributor keeps of a thread's writes is bounded in bytes, whatever the size of the writes. */
class LogContributorTest {

    @Test
    void largeWritesKeepAtMostTheBytesOfOneLogPerThread() {
        LogContributor log = new LogContributor();
        byte[] data = new byte[64 * 1024];
        Arrays.fill(data, (byte) 'x');
        for (long tid = 1; tid <= 8; tid++) {
            for (int i = 0; i < 256; i++) {
                log.observe(new TestRawEvent().name("syscall_exit-write", Category.FILE, Source.SYSCALL_EXIT).timestamp(1000 + i)
                        .thread(tid, tid, 0, 0, "app", "").fd(1, FdType.FILE, "/dev/pts/0")
                        .param("res", 11, ValueType.INT64, 8, data.length).param("data", 10, ValueType.BYTEBUF, data));
            }
        }
        for (long tid = 1; tid <= 8; tid++) {
            long kept = log.bytesKept(tid);
            assertTrue(kept > 0 && kept <= LogContributor.MAX_BYTES_PER_THREAD, "thread " + tid + " keeps " + kept + " bytes");
        }
    }
}
