package io.kindling.probe.converter.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON reader of the runtime's answers: what Docker writes, and malformed text refused with an exception. */
class JsonTextTest {

    @Test
    void readsWhatDockerAnswers() {
        Object v = JsonText.parse("{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Pid\":42,\"Running\":true},"
                + "\"Config\":{\"Image\":\"nginx:1.25\",\"Labels\":{\"io.kubernetes.pod.name\":\"web-0\"},\"Cmd\":[\"sh\",\"-c\"],"
                + "\"Env\":null},\"Text\":\"a\\\"b\\\\c\\u00e9\\n\"}");
        assertEquals("/web", JsonText.string(v, "Name"));
        assertEquals("nginx:1.25", JsonText.string(v, "Config", "Image"));
        assertEquals("web-0", JsonText.string(v, "Config", "Labels", "io.kubernetes.pod.name"));
        assertEquals("", JsonText.string(v, "Config", "Missing"));
        assertEquals("", JsonText.string(v, "State", "Pid"));
        assertEquals("a\"b\\c\u00e9\n", JsonText.string(v, "Text"));
        assertEquals(List.of("sh", "-c"), ((Map<?, ?>) ((Map<?, ?>) v).get("Config")).get("Cmd"));
        assertEquals(42.0, ((Map<?, ?>) ((Map<?, ?>) v).get("State")).get("Pid"));
    }

    @Test
    void malformedTextIsRefused() {
        for (String bad : new String[] {"", "{", "{\"a\":}", "[1,2", "{\"a\":1}x", "\"\\u12\"", "{\"a\" 1}", "nul",
                "[".repeat(100) + "]".repeat(100)}) {
            assertThrows(IllegalArgumentException.class, () -> JsonText.parse(bad), bad);
        }
    }
}
