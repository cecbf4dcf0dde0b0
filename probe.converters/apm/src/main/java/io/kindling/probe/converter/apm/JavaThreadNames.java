package io.kindling.probe.converter.apm;

import io.kindling.probe.api.ThreadContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Java names of threads, as Kindling's Java agent tells them ({@code kd-tm@} markers), keyed by
 * process id (the host's) and thread id as the JVM knows it (the thread's id in its pid namespace: a
 * containerized JVM's own ids, the host's elsewhere). At most {@link Config#max_threads()} are kept;
 * the least recently used name goes first, and is counted. Used on the event loop thread only (the
 * counters may be read from any thread).
 */
@Component(service = JavaThreadNames.class, configurationPid = JavaThreadNames.PID)
@Designate(ocd = JavaThreadNames.Config.class)
public final class JavaThreadNames {
    static final String PID = "io.kindling.probe.converter.apm.threads";

    @ObjectClassDefinition(name = "Kindling Java thread names")
    public @interface Config {
        @AttributeDefinition(name = "Threads kept at most", min = "16",
                description = "Java thread names kept; beyond it the least recently used one is forgotten")
        int max_threads() default 16384;
    }

    /** A thread's name, and the last context renamed with it, so that its events share one context. */
    private static final class Entry {
        final String name;
        ThreadContext from;
        ThreadContext to;

        Entry(String name) {
            this.name = name;
        }
    }

    private final int max;
    private final Map<Long, Entry> names;
    private final AtomicLong evicted = new AtomicLong();
    private volatile int size;

    @Activate
    public JavaThreadNames(Config config) {
        this(config.max_threads());
    }

    public JavaThreadNames(int maxThreads) {
        this.max = Math.max(1, maxThreads);
        this.names = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                if (size() > max) {
                    evicted.incrementAndGet();
                    return true;
                }
                return false;
            }
        };
    }

    /** The Kindling probe's key: the pid in the high 32 bits, the tid's low 32 bits below. */
    static long key(long pid, long tid) {
        return pid << 32 | tid & 0xFFFFFFFFL;
    }

    /** Sets the Java name of a thread; a name equal to the one kept changes nothing. */
    void put(long pid, long tid, String name) {
        long k = key(pid, tid);
        Entry e = names.get(k);
        if (e == null || !e.name.equals(name)) {
            names.put(k, new Entry(name));
            size = names.size();
        }
    }

    /** The Java name of a thread, or null. */
    String name(long pid, long tid) {
        if (size == 0) {
            return null;
        }
        Entry e = names.get(key(pid, tid));
        return e == null ? null : e.name;
    }

    /** The context with the thread's Java name as {@code comm}, or {@code context} itself when it has none. */
    ThreadContext rename(ThreadContext context) {
        if (size == 0 || context == null) {
            return context;
        }
        // a kd-tm@ marker names the thread by the id the JVM knows it by: inside a container, the
        // thread's id in the container's pid namespace (vtid); the host's elsewhere (vtid == tid)
        Entry e = names.get(key(context.pid(), context.vtid()));
        if (e == null) {
            return context;
        }
        if (e.from != context) {
            e.from = context;
            e.to = context.comm().equals(e.name) ? context
                    : context.withComm(e.name);
        }
        return e.to;
    }

    void clear() {
        names.clear();
        size = 0;
    }

    int size() {
        return size;
    }

    long evicted() {
        return evicted.get();
    }
}
