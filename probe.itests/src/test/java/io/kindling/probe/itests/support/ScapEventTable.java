package io.kindling.probe.itests.support;

import static org.junit.Assume.assumeTrue;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libscap's own event table ({@code g_event_info}, through {@code scap_get_event_info_table()}),
 * read straight from Debian's {@code libscap.so}, the library that sysdig uses: the oracle's source
 * for which events are I/O events ({@code category & EC_IO_BASE}), independent of the probe's shim.
 * Sizes come from the installed {@code ppm_events_public.h}.
 */
public final class ScapEventTable {

    public static final int EC_IO_BASE = 32;
    public static final int EC_INTERNAL = 256;
    private static final int AMBIGUOUS = -1;

    static final Path HEADER = Path.of("/usr/include/falcosecurity-libs/driver/ppm_events_public.h");

    private final Map<String, Integer> categoryByNameAndDir;

    private ScapEventTable(Map<String, Integer> categories) {
        this.categoryByNameAndDir = categories;
    }

    /** Reads the table; skips the calling test when libscap's header is not installed. */
    public static ScapEventTable load() throws IOException {
        assumeTrue(HEADER + " is absent (Debian package libfalcosecurity0-dev, see bin/setup)", Files.isRegularFile(HEADER));
        String header = Files.readString(HEADER, StandardCharsets.ISO_8859_1);
        int eventMax = constant(header, "PPM_EVENT_MAX\\s*=\\s*(\\d+)");
        int nameLen = constant(header, "#define\\s+PPM_MAX_NAME_LEN\\s+(\\d+)");
        int maxParams = 1 << constant(header, "#define\\s+PPM_MAX_EVENT_PARAMS\\s+\\(1\\s*<<\\s*(\\d+)\\)");
        // struct ppm_param_info {char name[N]; enum type; enum fmt; const void *info; uint8_t ninfo;} _packed
        int paramSize = nameLen + 4 + 4 + 8 + 1;
        // struct ppm_event_info {char name[N]; enum category; enum flags; uint32_t nparams; params[M];} _packed
        int eventSize = nameLen + 4 + 4 + 4 + maxParams * paramSize;

        Function table = Function.getFunction("scap", "scap_get_event_info_table");
        Pointer base = (Pointer) table.invoke(Pointer.class, new Object[0]);
        Map<String, Integer> categories = new HashMap<>();
        for (int type = 0; type < eventMax; type++) {
            long offset = (long) type * eventSize;
            String name = base.getString(offset, StandardCharsets.US_ASCII.name());
            int category = base.getInt(offset + nameLen);
            String key = key(name, type % 2 == 0 ? ">" : "<");
            // The same name and direction in several versions of an event: when they disagree on
            // the I/O bit, the name cannot tell (AMBIGUOUS).
            categories.merge(key, category, (a, b) -> ((a ^ b) & EC_IO_BASE) != 0 ? AMBIGUOUS : a);
        }
        // Layout check: PPME_GENERIC_E is type 0 ("syscall"), PPME_SYSCALL_OPEN_E type 2 ("open"),
        // PPME_SYSCALL_READ_E type 6 ("read", an I/O event).
        ScapEventTable t = new ScapEventTable(categories);
        if (!categories.containsKey(key("syscall", ">")) || !t.isIo("read", ">") || t.isIo("open", "<")) {
            throw new IllegalStateException("libscap's event table does not have the layout of " + HEADER);
        }
        return t;
    }

    private static int constant(String header, String regex) {
        Matcher m = Pattern.compile(regex).matcher(header);
        if (!m.find()) {
            throw new IllegalStateException("no " + regex + " in " + HEADER);
        }
        return Integer.parseInt(m.group(1));
    }

    private static String key(String name, String dir) {
        return dir + name;
    }

    /** Whether libscap knows an event of this name and direction ({@code >} enter, {@code <} exit). */
    public boolean knows(String name, String dir) {
        return categoryByNameAndDir.containsKey(key(name, dir));
    }

    /** Whether the event of this name and direction is an I/O event ({@code category & EC_IO_BASE}). */
    public boolean isIo(String name, String dir) {
        Integer c = categoryByNameAndDir.get(key(name, dir));
        if (c == null) {
            throw new IllegalArgumentException("libscap has no event " + dir + " " + name);
        }
        if (c == AMBIGUOUS) {
            throw new IllegalArgumentException("libscap's versions of " + dir + " " + name + " disagree on the I/O category");
        }
        return (c & EC_IO_BASE) != 0;
    }
}
