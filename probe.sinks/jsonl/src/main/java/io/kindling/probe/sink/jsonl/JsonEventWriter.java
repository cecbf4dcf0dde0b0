package io.kindling.probe.sink.jsonl;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes events as JSON Lines, one object a line, in the probe's JSON format:
 * <pre>
 * {"name":"syscall_exit-read","category":"file","source":"syscall_exit","timestamp":1700000000123456789,"latency":2500,
 *  "thread":{"pid":100,"tid":101,"uid":0,"gid":0,"comm":"cat","container_id":""},
 *  "fd":{"num":3,"type":"file","filename":"passwd","directory":"/etc"},
 *  "attributes":{"res":1024,"data":"cm9vdDp4OjA6MA=="}}
 * </pre>
 * (shown on several lines here, written on one). {@code thread} and {@code fd} are left out when
 * the event has none, and of the fd only what converters filled is written: {@code filename} and
 * {@code directory}; or {@code protocol}, {@code role} ({@code server} or {@code client}),
 * {@code sip}, {@code sport}, {@code dip}, {@code dport}; or the unix endpoints {@code source} and
 * {@code destination} (unsigned numbers). Attribute values: integers as JSON numbers read at their
 * type's width (unsigned types, {@code UINT64} included, without sign), floating point as numbers,
 * text as strings, bytes as base64 (standard alphabet, padded), booleans as booleans.
 * <p>
 * The writer owns its target: {@link #close()} closes it. It is not thread-safe.
 */
public final class JsonEventWriter implements Flushable, Closeable {

    /** Size of the output buffer in bytes. */
    public static final int BUFFER_SIZE = 64 * 1024;

    private static final JsonFactory FACTORY = new JsonFactoryBuilder().rootValueSeparator((String) null).build();

    private final JsonGenerator json;

    public JsonEventWriter(OutputStream target) throws IOException {
        this.json = FACTORY.createGenerator(new BufferedOutputStream(target, BUFFER_SIZE));
    }

    /** Writes one event and its line separator. */
    public void write(KindlingEvent event) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", event.name());
        json.writeStringField("category", event.category() == null ? null : event.category().label());
        json.writeStringField("source", event.source() == null ? null : event.source().label());
        json.writeNumberField("timestamp", event.timestamp());
        json.writeNumberField("latency", event.latency());
        ThreadContext thread = event.thread();
        if (thread != null) {
            json.writeObjectFieldStart("thread");
            json.writeNumberField("pid", thread.pid());
            json.writeNumberField("tid", thread.tid());
            json.writeNumberField("uid", thread.uid());
            json.writeNumberField("gid", thread.gid());
            json.writeStringField("comm", thread.comm());
            json.writeStringField("container_id", thread.containerId());
            json.writeEndObject();
        }
        FdContext fd = event.fd();
        if (fd != null) {
            writeFd(fd);
        }
        json.writeObjectFieldStart("attributes");
        for (Attribute attribute : event.attributes()) {
            json.writeFieldName(attribute.key());
            writeValue(attribute);
        }
        json.writeEndObject();
        json.writeEndObject();
        json.writeRaw('\n');
    }

    private void writeFd(FdContext fd) throws IOException {
        json.writeObjectFieldStart("fd");
        json.writeNumberField("num", fd.num());
        json.writeStringField("type", fd.type() == null ? null : fd.type().label());
        if (fd.filename() != null) {
            json.writeStringField("filename", fd.filename());
        }
        if (fd.directory() != null) {
            json.writeStringField("directory", fd.directory());
        }
        if (fd.protocol() != null) {
            json.writeStringField("protocol", fd.protocol().label());
        }
        if (fd.serverRole() != null) {
            json.writeStringField("role", fd.serverRole() ? "server" : "client");
        }
        if (fd.sip() != null) {
            json.writeStringField("sip", fd.sip());
        }
        if (fd.sport() != null) {
            json.writeNumberField("sport", fd.sport().intValue());
        }
        if (fd.dip() != null) {
            json.writeStringField("dip", fd.dip());
        }
        if (fd.dport() != null) {
            json.writeNumberField("dport", fd.dport().intValue());
        }
        if (fd.unixSource() != null) {
            json.writeFieldName("source");
            writeUnsigned(fd.unixSource());
        }
        if (fd.unixDestination() != null) {
            json.writeFieldName("destination");
            writeUnsigned(fd.unixDestination());
        }
        json.writeEndObject();
    }

    private void writeValue(Attribute attribute) throws IOException {
        Object value = attribute.value();
        ValueType type = attribute.type();
        if (value instanceof Number n) {
            switch (type) {
                case INT8 -> json.writeNumber((byte) n.longValue());
                case INT16 -> json.writeNumber((short) n.longValue());
                case INT32 -> json.writeNumber((int) n.longValue());
                case INT64 -> json.writeNumber(n.longValue());
                case UINT8 -> json.writeNumber(n.longValue() & 0xffL);
                case UINT16 -> json.writeNumber(n.longValue() & 0xffffL);
                case UINT32 -> json.writeNumber(n.longValue() & 0xffff_ffffL);
                case UINT64 -> writeUnsigned(n.longValue());
                case FLOAT -> json.writeNumber(n.floatValue());
                default -> {
                    if (n instanceof Double || n instanceof Float) {
                        json.writeNumber(n.doubleValue());
                    } else {
                        json.writeNumber(n.longValue());
                    }
                }
            }
        } else if (value instanceof byte[] bytes) {
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, bytes, 0, bytes.length);
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else {
            json.writeString(String.valueOf(value));
        }
    }

    private void writeUnsigned(long value) throws IOException {
        if (value >= 0) {
            json.writeNumber(value);
        } else {
            json.writeNumber(Long.toUnsignedString(value));
        }
    }

    /** Writes what is buffered through to the target and flushes it. */
    @Override
    public void flush() throws IOException {
        json.flush();
    }

    /** Flushes and closes the target. */
    @Override
    public void close() throws IOException {
        json.close();
    }
}
