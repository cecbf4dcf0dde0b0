package io.kindling.probe.sink.jsonl;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Base64;

/**
 * Writes events as JSON Lines, one object a line, in the probe's JSON format:
 * <pre>
 * {"name":"read","category":"file","source":"syscall_exit","timestamp":1700000000123456789,"latency":2500,
 *  "thread":{"pid":100,"tid":101,"uid":0,"gid":0,"comm":"cat","container_id":""},
 *  "fd":{"num":3,"type":"file","filename":"passwd","directory":"/etc"},
 *  "attributes":{"res":1024,"data":"cm9vdDp4OjA6MA=="}}
 * </pre>
 * (shown on several lines here, written on one). A thread in a pid namespace of its own (a container's)
 * also has {@code vpid} and {@code vtid}, its ids there. The event of a container's thread has a
 * {@code container} object after {@code thread}:
 * {@code "container":{"id":"4f1d2c3b5a69","name":"web","image":"nginx:1.25"}}, with, for a Kubernetes
 * pod's container, {@code pod_name}, {@code pod_namespace}, {@code pod_uid} and {@code pod_container};
 * what the runtime has not told (yet) is left out. {@code thread}, {@code container} and {@code fd} are
 * left out when the event has none, and of the fd only what converters filled is written: {@code filename} and
 * {@code directory}; or {@code protocol}, {@code role} ({@code server} or {@code client}),
 * {@code sip}, {@code sport}, {@code dip}, {@code dport}; or the unix endpoints {@code source} and
 * {@code destination} (unsigned numbers). Attribute values: integers as JSON numbers read at their
 * type's width (unsigned types, {@code UINT64} included, without sign), floating point as numbers,
 * text as strings, bytes as base64 (standard alphabet, padded), booleans as booleans.
 * <p>
 * Text is written as UTF-8 with the short escapes of RFC 8259 for the quote, the backslash,
 * newline, carriage return, tab, backspace and form feed, and six-character escapes for the other
 * control characters.
 * The writer encodes straight into its own buffer: the hot path allocates nothing for ASCII text
 * and numbers.
 * <p>
 * The writer owns its target: {@link #close()} closes it. It is not thread-safe.
 */
public final class JsonEventWriter implements Flushable, Closeable {

    /** Size of the output buffer in bytes. */
    public static final int BUFFER_SIZE = 64 * 1024;

    private static final byte[] NAME = JsonBuffer.ascii("{\"name\":");
    private static final byte[] CATEGORY = JsonBuffer.ascii(",\"category\":");
    private static final byte[] SOURCE = JsonBuffer.ascii(",\"source\":");
    private static final byte[] TIMESTAMP = JsonBuffer.ascii(",\"timestamp\":");
    private static final byte[] LATENCY = JsonBuffer.ascii(",\"latency\":");
    private static final byte[] THREAD_PID = JsonBuffer.ascii(",\"thread\":{\"pid\":");
    private static final byte[] TID = JsonBuffer.ascii(",\"tid\":");
    private static final byte[] UID = JsonBuffer.ascii(",\"uid\":");
    private static final byte[] GID = JsonBuffer.ascii(",\"gid\":");
    private static final byte[] COMM = JsonBuffer.ascii(",\"comm\":");
    private static final byte[] CONTAINER_ID = JsonBuffer.ascii(",\"container_id\":");
    private static final byte[] VPID = JsonBuffer.ascii(",\"vpid\":");
    private static final byte[] VTID = JsonBuffer.ascii(",\"vtid\":");
    private static final byte[] CONTAINER = JsonBuffer.ascii(",\"container\":{\"id\":");
    private static final byte[] C_NAME = JsonBuffer.ascii(",\"name\":");
    private static final byte[] C_IMAGE = JsonBuffer.ascii(",\"image\":");
    private static final byte[] POD_NAME = JsonBuffer.ascii(",\"pod_name\":");
    private static final byte[] POD_NAMESPACE = JsonBuffer.ascii(",\"pod_namespace\":");
    private static final byte[] POD_UID = JsonBuffer.ascii(",\"pod_uid\":");
    private static final byte[] POD_CONTAINER = JsonBuffer.ascii(",\"pod_container\":");
    private static final byte[] FD_NUM = JsonBuffer.ascii(",\"fd\":{\"num\":");
    private static final byte[] TYPE = JsonBuffer.ascii(",\"type\":");
    private static final byte[] FILENAME = JsonBuffer.ascii(",\"filename\":");
    private static final byte[] DIRECTORY = JsonBuffer.ascii(",\"directory\":");
    private static final byte[] PROTOCOL = JsonBuffer.ascii(",\"protocol\":");
    private static final byte[] ROLE = JsonBuffer.ascii(",\"role\":");
    private static final byte[] SIP = JsonBuffer.ascii(",\"sip\":");
    private static final byte[] SPORT = JsonBuffer.ascii(",\"sport\":");
    private static final byte[] DIP = JsonBuffer.ascii(",\"dip\":");
    private static final byte[] DPORT = JsonBuffer.ascii(",\"dport\":");
    private static final byte[] UNIX_SOURCE = JsonBuffer.ascii(",\"source\":");
    private static final byte[] UNIX_DESTINATION = JsonBuffer.ascii(",\"destination\":");
    private static final byte[] ATTRIBUTES = JsonBuffer.ascii(",\"attributes\":{");

    private final JsonBuffer out;
    private static final int CACHE = 256;
    private final String[] headNames = new String[CACHE];
    private final Category[] headCategories = new Category[CACHE];
    private final Source[] headSources = new Source[CACHE];
    private final byte[][] headBytes = new byte[CACHE][];
    private final ThreadContext[] threads = new ThreadContext[CACHE];
    private final byte[][] threadBytes = new byte[CACHE][];
    private ContainerContext lastContainer;
    private byte[] lastContainerBytes;

    public JsonEventWriter(OutputStream target) {
        this.out = new JsonBuffer(target, BUFFER_SIZE);
    }

    /** Writes one event and its line separator. */
    public void write(KindlingEvent event) throws IOException {
        writeHead(event);
        out.raw(TIMESTAMP);
        out.number(event.timestamp());
        out.raw(LATENCY);
        out.number(event.latency());
        ThreadContext thread = event.thread();
        if (thread != null) {
            writeThread(thread);
        }
        ContainerContext container = event.container();
        if (container != null) {
            writeContainer(container);
        }
        FdContext fd = event.fd();
        if (fd != null) {
            writeFd(fd);
        }
        out.raw(ATTRIBUTES);
        boolean first = true;
        for (Attribute attribute : event.attributes()) {
            if (!first) {
                out.raw(',');
            }
            first = false;
            out.string(attribute.key());
            out.raw(':');
            writeValue(attribute);
        }
        out.raw('}');
        out.raw('}');
        out.raw('\n');
    }

    /**
     * The event's JSON without the line separator, as a new array, for a writer used for this alone
     * (nothing buffered before): the bytes are taken out of the buffer instead of passed on to the
     * target. An event too large for the buffer goes on to the target instead, whole, as {@link #write}
     * and {@link #flush} pass it on, and the answer is null.
     * @since 1.1
     */
    public byte[] encode(KindlingEvent event) throws IOException {
        long drains = out.drains();
        write(event);
        if (out.drains() == drains) {
            return out.take(1);
        }
        out.flush();
        return null;
    }

    /**
     * The name, category and source, as bytes remembered per event name: the core hands out one
     * name String per event type, and a thread's context is one object while it does not change,
     * so most events reuse what an earlier one rendered.
     */
    private void writeHead(KindlingEvent event) throws IOException {
        String name = event.name();
        int slot = System.identityHashCode(name) & (CACHE - 1);
        if (headNames[slot] == name && headCategories[slot] == event.category() && headSources[slot] == event.source()) {
            out.raw(headBytes[slot]);
            return;
        }
        int start = out.renderStart(name.length());
        out.raw(NAME);
        out.string(name);
        out.raw(CATEGORY);
        out.string(event.category() == null ? null : event.category().label());
        out.raw(SOURCE);
        out.string(event.source() == null ? null : event.source().label());
        if (start >= 0) {
            headNames[slot] = name;
            headCategories[slot] = event.category();
            headSources[slot] = event.source();
            headBytes[slot] = out.copyFrom(start);
        }
    }

    private void writeThread(ThreadContext thread) throws IOException {
        int slot = System.identityHashCode(thread) & (CACHE - 1);
        if (threads[slot] == thread) {
            out.raw(threadBytes[slot]);
            return;
        }
        int start = out.renderStart(thread.comm().length() + thread.containerId().length());
        out.raw(THREAD_PID);
        out.number(thread.pid());
        out.raw(TID);
        out.number(thread.tid());
        out.raw(UID);
        out.number(thread.uid());
        out.raw(GID);
        out.number(thread.gid());
        out.raw(COMM);
        out.string(thread.comm());
        out.raw(CONTAINER_ID);
        out.string(thread.containerId());
        if (thread.inPidNamespace()) {
            out.raw(VPID);
            out.number(thread.vpid());
            out.raw(VTID);
            out.number(thread.vtid());
        }
        out.raw('}');
        if (start >= 0) {
            threads[slot] = thread;
            threadBytes[slot] = out.copyFrom(start);
        }
    }

    /** The container object; the container converter hands out one context per container while it does not change. */
    private void writeContainer(ContainerContext c) throws IOException {
        if (c == lastContainer) {
            out.raw(lastContainerBytes);
            return;
        }
        int start = out.renderStart(c.id().length() + c.name().length() + c.image().length() + c.podName().length()
                + c.podNamespace().length() + c.podUid().length() + c.podContainer().length());
        out.raw(CONTAINER);
        out.string(c.id());
        optional(C_NAME, c.name());
        optional(C_IMAGE, c.image());
        optional(POD_NAME, c.podName());
        optional(POD_NAMESPACE, c.podNamespace());
        optional(POD_UID, c.podUid());
        optional(POD_CONTAINER, c.podContainer());
        out.raw('}');
        if (start >= 0) {
            lastContainer = c;
            lastContainerBytes = out.copyFrom(start);
        }
    }

    private void optional(byte[] key, String value) throws IOException {
        if (!value.isEmpty()) {
            out.raw(key);
            out.string(value);
        }
    }

    private void writeFd(FdContext fd) throws IOException {
        out.raw(FD_NUM);
        out.number(fd.num());
        out.raw(TYPE);
        out.string(fd.type() == null ? null : fd.type().label());
        if (fd.filename() != null) {
            out.raw(FILENAME);
            out.string(fd.filename());
        }
        if (fd.directory() != null) {
            out.raw(DIRECTORY);
            out.string(fd.directory());
        }
        if (fd.protocol() != null) {
            out.raw(PROTOCOL);
            out.string(fd.protocol().label());
        }
        if (fd.serverRole() != null) {
            out.raw(ROLE);
            out.string(fd.serverRole() ? "server" : "client");
        }
        if (fd.sip() != null) {
            out.raw(SIP);
            out.string(fd.sip());
        }
        if (fd.sport() != null) {
            out.raw(SPORT);
            out.number(fd.sport().intValue());
        }
        if (fd.dip() != null) {
            out.raw(DIP);
            out.string(fd.dip());
        }
        if (fd.dport() != null) {
            out.raw(DPORT);
            out.number(fd.dport().intValue());
        }
        if (fd.unixSource() != null) {
            out.raw(UNIX_SOURCE);
            out.unsigned(fd.unixSource());
        }
        if (fd.unixDestination() != null) {
            out.raw(UNIX_DESTINATION);
            out.unsigned(fd.unixDestination());
        }
        out.raw('}');
    }

    private void writeValue(Attribute attribute) throws IOException {
        Object value = attribute.value();
        ValueType type = attribute.type();
        if (value instanceof Number n) {
            switch (type) {
                case INT8 -> out.number((byte) n.longValue());
                case INT16 -> out.number((short) n.longValue());
                case INT32 -> out.number((int) n.longValue());
                case INT64 -> out.number(n.longValue());
                case UINT8 -> out.number(n.longValue() & 0xffL);
                case UINT16 -> out.number(n.longValue() & 0xffffL);
                case UINT32 -> out.number(n.longValue() & 0xffff_ffffL);
                case UINT64 -> out.unsigned(n.longValue());
                case FLOAT -> out.floating(Float.toString(n.floatValue()), Float.isFinite(n.floatValue()));
                default -> {
                    if (n instanceof Double || n instanceof Float) {
                        out.floating(Double.toString(n.doubleValue()), Double.isFinite(n.doubleValue()));
                    } else {
                        out.number(n.longValue());
                    }
                }
            }
        } else if (value instanceof byte[] bytes) {
            out.raw('"');
            out.raw(Base64.getEncoder().encode(bytes));
            out.raw('"');
        } else if (value instanceof Boolean b) {
            out.raw(b ? JsonBuffer.TRUE : JsonBuffer.FALSE);
        } else {
            out.string(String.valueOf(value));
        }
    }

    /** Writes what is buffered through to the target and flushes it. */
    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Flushes and closes the target. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
