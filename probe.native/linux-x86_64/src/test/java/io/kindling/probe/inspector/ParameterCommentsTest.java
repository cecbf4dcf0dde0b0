package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The eBPF fillers number their parameters in comments ({@code push_u64(s, FD(0)); /* 1 fd *&#47;}): in every
 * filler that begins an event of a named type, the comments name each parameter of libscap's event table once,
 * with its number and its name there ("N name", "N name: remark", "N to M" for a run a helper pushes).
 */
class ParameterCommentsTest {

    private static final Path EVENTS_HEADER = Path.of("/usr/include/falcosecurity-libs/driver/ppm_events_public.h");
    private static final Pattern ENUM = Pattern.compile("^\\s*(PPME_\\w+) = (\\d+),");
    private static final Pattern BEGIN = Pattern.compile("\\bbegin\\(s, (PPME_\\w+)\\)");
    private static final Pattern COMMENT = Pattern.compile("/\\*(.*?)\\*/");
    private static final Pattern ONE = Pattern.compile("^(\\d+) (\\w+)(:.*)?$");
    private static final Pattern RUN = Pattern.compile("^(\\d+) to (\\d+)$");

    @Test
    void everyFillerNamesEachParameterOfItsEventInOrder() throws IOException {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
        assumeTrue(Files.exists(EVENTS_HEADER), "no " + EVENTS_HEADER);
        Map<String, Integer> types = new HashMap<>();
        for (String line : Files.readAllLines(EVENTS_HEADER)) {
            Matcher m = ENUM.matcher(line);
            if (m.find()) {
                types.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        NativeEventTable table = NativeEventTable.load();
        List<Path> sources;
        try (Stream<Path> files = Files.list(Path.of("src/main/bpf"))) {
            sources = files.filter(p -> p.toString().endsWith(".bpf.c")).sorted().toList();
        }
        List<String> wrong = new ArrayList<>();
        int fillers = 0;
        for (Path source : sources) {
            String event = null;
            TreeSet<Integer> seen = new TreeSet<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(source)) {
                lineNo++;
                String at = source.getFileName() + ":" + lineNo;
                Matcher b = BEGIN.matcher(line);
                if (b.find()) {
                    event = b.group(1);
                    seen.clear();
                    assertTrue(types.containsKey(event), at + ": " + event + " is not in " + EVENTS_HEADER);
                    continue;
                }
                if (event == null) {
                    continue;
                }
                int type = types.get(event);
                if (line.startsWith("}")) {
                    TreeSet<Integer> all = new TreeSet<>();
                    for (int i = 1; i <= table.paramCount(type); i++) {
                        all.add(i);
                    }
                    if (!seen.equals(all)) {
                        wrong.add(at + ": " + event + " numbers " + seen + ", its parameters are " + all);
                    }
                    fillers++;
                    event = null;
                    continue;
                }
                Matcher c = COMMENT.matcher(line);
                while (c.find()) {
                    for (String part : c.group(1).trim().split(", ")) {
                        Matcher run = RUN.matcher(part);
                        Matcher one = ONE.matcher(part);
                        if (run.matches()) {
                            for (int i = Integer.parseInt(run.group(1)); i <= Integer.parseInt(run.group(2)); i++) {
                                seen.add(i);
                            }
                        } else if (one.matches()) {
                            int n = Integer.parseInt(one.group(1));
                            String expected = n <= table.paramCount(type) ? table.paramName(type, n - 1) : "(none)";
                            if (!one.group(2).equals(expected)) {
                                wrong.add(at + ": " + event + " parameter " + n + " is " + expected + ", the comment says "
                                        + one.group(2));
                            }
                            seen.add(n);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(fillers >= 30, "fillers of a named event checked: " + fillers);
        System.out.println("parameter comments checked in " + fillers + " fillers");
    }
}
