package io.kindling.probe.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * One event as sinks receive it. The core and the converters fill it on the event loop thread;
 * once it is handed to the sinks it is no longer changed, and sinks must not change it either.
 */
public final class KindlingEvent {
    private final String name;
    private final Category category;
    private final Source source;
    private final long timestamp;
    private final long latency;
    private ThreadContext thread;
    private FdContext fd;
    private ContainerContext container;
    private boolean withheld;
    /** Created with the first attribute: most events reach sinks with deferred attributes only. */
    private List<Attribute> attributes;
    /** Adds attributes that are decoded only when a sink first asks for them; then null. */
    private volatile Consumer<List<Attribute>> deferred;

    private static final VarHandle DEFERRED;

    static {
        try {
            DEFERRED = MethodHandles.lookup().findVarHandle(KindlingEvent.class, "deferred", Consumer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public KindlingEvent(String name, Category category, Source source, long timestamp, long latency, ThreadContext thread) {
        this.name = name;
        this.category = category;
        this.source = source;
        this.timestamp = timestamp;
        this.latency = latency;
        this.thread = thread;
    }

    /**
     * The name as the Kindling probe delivers it: libsinsp's name of the event, for example {@code read}
     * for both {@code syscall_enter-read} and {@code syscall_exit-read} (the {@link #source()} tells
     * which), {@code switch}, {@code procexit}; or the name of an event that a converter made, for
     * example {@code cpu_event}. See {@link io.kindling.probe.api.source.EventNames#delivered}.
     */
    public String name() { return name; }
    public Category category() { return category; }
    public Source source() { return source; }
    /** Nanoseconds since the epoch. */
    public long timestamp() { return timestamp; }
    /** For syscall exits, nanoseconds spent in the syscall; 0 otherwise. */
    public long latency() { return latency; }
    /** The thread; {@code null} for events without thread information (for example the idle task). */
    public ThreadContext thread() { return thread; }
    /** The file descriptor context, or {@code null} when the event has none. */
    public FdContext fd() { return fd; }
    public List<Attribute> attributes() {
        resolve();
        List<Attribute> list = attributes;
        return list == null ? List.of() : Collections.unmodifiableList(list);
    }

    public Attribute attribute(String key) {
        resolve();
        if (attributes == null) {
            return null;
        }
        for (Attribute a : attributes) {
            if (a.key().equals(key)) {
                return a;
            }
        }
        return null;
    }

    public void setFd(FdContext fd) { this.fd = fd; }

    /**
     * The container of the event's thread, with what its runtime says of it; {@code null} for a host
     * process's event, and where no container converter runs.
     * @since 1.3
     */
    public ContainerContext container() { return container; }

    /**
     * Sets the container of the event's thread (the container converter does).
     * @since 1.3
     */
    public void setContainer(ContainerContext container) { this.container = container; }

    /**
     * Replaces the thread context, for example with one that carries the thread's name as its
     * application knows it (see the apm converter).
     * @since 1.2
     */
    public void setThread(ThreadContext thread) { this.thread = thread; }

    /**
     * Keeps the event from every sink: a converter has turned it into events of its own (for example a
     * write that carries a marker of Kindling's Java agent). Called while the event is converted.
     * @since 1.2
     */
    public void withhold() { this.withheld = true; }

    /** Whether a converter withheld the event from the sinks. @since 1.2 */
    public boolean isWithheld() { return withheld; }

    public void addAttribute(Attribute attribute) {
        resolve();
        if (attributes == null) {
            attributes = new ArrayList<>(8);
        }
        attributes.add(attribute);
    }

    /**
     * Defers attributes: {@code decoder} adds them to the list the first time anyone reads the
     * attributes, on whichever thread that is, exactly once. A sink that never reads attributes
     * never pays for decoding them.
     */
    public void deferAttributes(Consumer<List<Attribute>> decoder) {
        resolve();
        // the event reaches other threads through the sinks' queues, which order this store
        // before their reads: a release store is enough, and spares the event loop a fence
        DEFERRED.setRelease(this, decoder);
    }

    private void resolve() {
        if (deferred != null) {
            synchronized (this) {
                Consumer<List<Attribute>> d = deferred;
                if (d != null) {
                    if (attributes == null) {
                        attributes = new ArrayList<>(8);
                    }
                    d.accept(attributes);
                    deferred = null;
                }
            }
        }
    }

    @Override
    public String toString() {
        resolve();
        return timestamp + " " + name + " " + category.label() + " " + thread + " " + fd + " " + attributes();
    }
}
