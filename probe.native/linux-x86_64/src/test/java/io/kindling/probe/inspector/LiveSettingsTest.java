package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Live settings from Configuration Admin (or the shell, which writes there): a wrong value is refused
 * with a message that names it and says what is allowed, never adjusted, and the settings in use stay.
 */
class LiveSettingsTest {

    private static String refusal(Map<String, ?> properties) {
        return assertThrows(LiveSettings.Refused.class, () -> LiveSettings.of(properties)).getMessage();
    }

    @Test
    void wrongValuesAreRefusedWithWhatIsAllowed() {
        assertEquals("live.snaplen is -1, it must be from 1 to 65000 bytes", refusal(Map.of("live.snaplen", -1)));
        assertEquals("live.snaplen is 1000000000, it must be from 1 to 65000 bytes", refusal(Map.of("live.snaplen", 1_000_000_000)));
        String notPower = refusal(Map.of("live.ring.bytes", 3 * 65536));
        assertTrue(notPower.startsWith("live.ring.bytes is 196608, it must be a power of two from 65536 to 1073741824 bytes"), notPower);
        assertTrue(refusal(Map.of("live.ring.bytes", 0)).startsWith("live.ring.bytes is 0, it must be a power of two"));
        assertTrue(refusal(Map.of("live.ring.bytes", 1L << 40)).startsWith("live.ring.bytes is 1099511627776, it must be a power of two"));
        assertTrue(refusal(Map.of("live.ring.bytes", "1099511627776")).startsWith("live.ring.bytes is 1099511627776,"));
        assertEquals("live.snaplen is 'lots', which is not a whole number", refusal(Map.of("live.snaplen", "lots")));
    }

    @Test
    void rightValuesAndDefaults() throws Exception {
        assertEquals(LiveSettings.DEFAULTS, LiveSettings.of(Map.of()));
        assertEquals(new LiveSettings(24, 2 << 20), LiveSettings.of(Map.of("live.snaplen", 24, "live.ring.bytes", "2097152")));
        assertEquals(new LiveSettings(65000, 1 << 30), LiveSettings.of(Map.of("live.snaplen", 65000L, "live.ring.bytes", 1 << 30)));
    }

    @Test
    void aRefusedConfigurationLeavesTheSettingsInUse() {
        NativeInspector inspector = new NativeInspector(config(), Map.of("live.snaplen", 24, "live.ring.bytes", 2 << 20));
        assertEquals(new LiveSettings(24, 2 << 20), inspector.liveSettings());
        inspector.modified(config(), Map.of("live.snaplen", -1, "live.ring.bytes", 2 << 20));
        inspector.modified(config(), Map.of("live.snaplen", 24, "live.ring.bytes", 1L << 40));
        assertEquals(new LiveSettings(24, 2 << 20), inspector.liveSettings(), "the settings in use stay");
        inspector.modified(config(), Map.of("live.snaplen", 200));
        assertEquals(new LiveSettings(200, LiveSettings.DEFAULT_RING_BYTES), inspector.liveSettings());
    }

    private static NativeInspector.Config config() {
        return new NativeInspector.Config() {
            @Override public Class<? extends Annotation> annotationType() { return NativeInspector.Config.class; }
            @Override public int batch_bytes() { return 1 << 21; }
            @Override public int batch_events() { return 8192; }
            @Override public int live_snaplen() { return LiveSettings.DEFAULT_SNAPLEN; }
            @Override public int live_ring_bytes() { return LiveSettings.DEFAULT_RING_BYTES; }
        };
    }
}
