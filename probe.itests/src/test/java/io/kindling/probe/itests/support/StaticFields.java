package io.kindling.probe.itests.support;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;

/**
 * The static fields of the probe's own classes in its bundles (not of the libraries a bundle
 * embeds): those that are not final, and the
 * contents of those that hold arrays, collections, maps, atomics or string builders. Two snapshots taken
 * around bundle restarts and replays tell state that changes (a cache or registry that grows) from
 * constant lookup tables, whose contents stay the same.
 *
 * @param classes how many classes were read
 * @param contents each container field ({@code class.field}) and a fingerprint of its contents
 * @param notFinal the static fields that are not final
 */
public record StaticFields(int classes, Map<String, String> contents, List<String> notFinal) {

    /** Reads the static fields of the classes of every started or resolved {@code io.kindling.probe.*} bundle (fragments aside). */
    public static StaticFields of(BundleContext context) {
        Map<String, String> contents = new TreeMap<>();
        List<String> notFinal = new ArrayList<>();
        int classes = 0;
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            if (name == null || !name.startsWith("io.kindling.probe.")
                    || (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0) {
                continue;
            }
            Enumeration<URL> entries = b.findEntries("/", "*.class", true);
            while (entries != null && entries.hasMoreElements()) {
                Class<?> type = load(b, entries.nextElement().getPath());
                if (type != null) {
                    classes++;
                    read(type, contents, notFinal);
                }
            }
        }
        return new StaticFields(classes, contents, notFinal);
    }

    /** The fields whose contents differ in {@code later}, each with its fingerprint before and after. */
    public List<String> changedIn(StaticFields later) {
        List<String> changed = new ArrayList<>();
        contents.forEach((field, before) -> {
            String after = later.contents.get(field);
            if (!before.equals(after)) {
                changed.add(field + ": " + before + " -> " + after);
            }
        });
        return changed;
    }

    private static Class<?> load(Bundle bundle, String path) {
        String className = path.substring(1, path.length() - ".class".length()).replace('/', '.');
        if (!className.startsWith("io.kindling.probe.") || className.endsWith("package-info")) {
            return null; // a library a bundle embeds (the kafka client) is not the probe's code
        }
        try {
            return bundle.loadClass(className);
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // an optional import that is not there
        }
    }

    private static void read(Class<?> type, Map<String, String> contents, List<String> notFinal) {
        Field[] fields;
        try {
            fields = type.getDeclaredFields();
        } catch (Exception | LinkageError e) {
            return; // a field's type comes from an optional import that is not there (the kafka client's compressors)
        }
        for (Field f : fields) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || f.isSynthetic() || f.isEnumConstant()) {
                continue;
            }
            String name = type.getName() + "." + f.getName();
            if (!Modifier.isFinal(m)) {
                notFinal.add(name);
            }
            Object value;
            try {
                f.setAccessible(true);
                value = f.get(null);
            } catch (RuntimeException | IllegalAccessException | LinkageError e) {
                continue;
            }
            String fingerprint = fingerprint(value);
            if (fingerprint != null) {
                contents.put(name, fingerprint);
            }
        }
    }

    /**
     * What a container holds, as its type, size and content hash; null for a value that is not a
     * container (strings, numbers, records, services: their state is not read).
     */
    public static String fingerprint(Object value) {
        try {
            if (value instanceof Object[] a) {
                return a.getClass().getSimpleName() + " length " + a.length + " hash " + Arrays.deepHashCode(a);
            }
            if (value != null && value.getClass().isArray()) {
                Object[] boxed = {value};
                return value.getClass().getSimpleName() + " length " + java.lang.reflect.Array.getLength(value)
                        + " hash " + Arrays.deepHashCode(boxed);
            }
            if (value instanceof Collection<?> c) {
                return c.getClass().getSimpleName() + " size " + c.size() + " hash " + c.hashCode();
            }
            if (value instanceof Map<?, ?> m) {
                return m.getClass().getSimpleName() + " size " + m.size() + " hash " + m.hashCode();
            }
            if (value != null && value.getClass().getPackageName().equals("java.util.concurrent.atomic")) {
                return value.getClass().getSimpleName() + " " + value; // counters, references, flags
            }
            if (value instanceof StringBuilder || value instanceof StringBuffer) {
                return value.getClass().getSimpleName() + " length " + ((CharSequence) value).length() + " hash "
                        + value.toString().hashCode();
            }
            return null;
        } catch (RuntimeException e) {
            return "unreadable: " + e;
        }
    }
}
