package io.kindling.probe.inspector;

import io.kindling.probe.api.source.EventTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** libsinsp's event and syscall tables, read once from the shim. */
final class NativeEventTable implements EventTable {
    private final String[] names;
    private final int[] categories;
    private final int[] flags;
    private final String[][] paramNames;
    private final int[][] paramTypes;
    private final String[] syscalls;
    private final int genericEnter;

    private NativeEventTable(List<String[]> events, List<String> syscallNames) {
        int n = events.size();
        names = new String[n];
        categories = new int[n];
        flags = new int[n];
        paramNames = new String[n][];
        paramTypes = new int[n][];
        int generic = -1;
        for (int t = 0; t < n; t++) {
            String[] f = events.get(t);
            names[t] = f[2];
            categories[t] = Integer.parseInt(f[3]);
            flags[t] = Integer.parseInt(f[4]);
            int count = Integer.parseInt(f[5]);
            paramNames[t] = new String[count];
            paramTypes[t] = new int[count];
            String[] params = f.length > 6 && !f[6].isEmpty() ? f[6].split(",") : new String[0];
            for (int i = 0; i < count && i < params.length; i++) {
                int colon = params[i].lastIndexOf(':');
                paramNames[t][i] = params[i].substring(0, colon);
                paramTypes[t][i] = Integer.parseInt(params[i].substring(colon + 1));
            }
            if (generic < 0 && "syscall".equals(names[t]) && (t & 1) == 0) {
                generic = t;
            }
        }
        genericEnter = generic;
        syscalls = syscallNames.toArray(new String[0]);
    }

    static NativeEventTable load() {
        Shim.ensureLoaded();
        byte[] buffer = new byte[256 * 1024];
        int needed = Shim.kp_event_table(buffer, buffer.length);
        if (needed > buffer.length) {
            buffer = new byte[needed];
            needed = Shim.kp_event_table(buffer, buffer.length);
        }
        if (needed <= 0) {
            throw new IllegalStateException("the native inspector returned no event table");
        }
        String text = new String(buffer, 0, needed, StandardCharsets.UTF_8);
        List<String[]> events = new ArrayList<>();
        List<String> syscallNames = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("E")) {
                events.add(f);
            } else if (f[0].equals("S")) {
                syscallNames.add(f[2]);
            }
        }
        return new NativeEventTable(events, syscallNames);
    }

    @Override
    public int typeCount() {
        return names.length;
    }

    @Override
    public String typeName(int type) {
        return type >= 0 && type < names.length ? names[type] : null;
    }

    @Override
    public int categoryFlags(int type) {
        return categories[type];
    }

    @Override
    public int eventFlags(int type) {
        return flags[type];
    }

    @Override
    public int paramCount(int type) {
        return type >= 0 && type < names.length ? paramNames[type].length : 0;
    }

    @Override
    public String paramName(int type, int index) {
        return paramNames[type][index];
    }

    @Override
    public int paramType(int type, int index) {
        return paramTypes[type][index];
    }

    @Override
    public int syscallCount() {
        return syscalls.length;
    }

    @Override
    public String syscallName(int code) {
        return code >= 0 && code < syscalls.length ? syscalls[code] : null;
    }

    @Override
    public int genericEnterType() {
        return genericEnter;
    }
}
