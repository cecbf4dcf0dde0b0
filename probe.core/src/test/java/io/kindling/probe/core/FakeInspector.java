package io.kindling.probe.core;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.source.FilterTable;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * An inspector over a tiny event table (generic syscall 0/1, read 2/3, switch 4) that replays
 * prepared batches, applying the filters the engine set as the shim does, and records the filters
 * in force for each batch.
 */
final class FakeInspector implements Inspector {
    static final int READ_X = 3;
    static final int SWITCH = 4;

    /** A raw event: type, category, thread or not. */
    record Ev(int type, Category category, boolean thread, long tid) implements RawEvent {
        @Override public String name() { return type == READ_X ? "syscall_exit-read" : "tracepoint-sched_switch"; }
        @Override public Source source() { return type == READ_X ? Source.SYSCALL_EXIT : Source.TRACEPOINT; }
        @Override public long timestamp() { return 1000 + tid; }
        @Override public long latency() { return 0; }
        @Override public int cpu() { return 0; }
        @Override public boolean hasThread() { return thread; }
        @Override public long pid() { return tid; }
        @Override public long uid() { return 0; }
        @Override public long gid() { return 0; }
        @Override public String comm() { return thread ? "t" : ""; }
        @Override public String containerId() { return ""; }
        @Override public long fdNum() { return -1; }
        @Override public boolean hasFd() { return false; }
        @Override public FdType fdType() { return FdType.UNINITIALIZED; }
        @Override public String fdName() { return ""; }
        @Override public L4Protocol l4Protocol() { return L4Protocol.UNKNOWN; }
        @Override public boolean serverRole() { return false; }
        @Override public byte[] sourceAddress() { return new byte[0]; }
        @Override public byte[] destinationAddress() { return new byte[0]; }
        @Override public int sourcePort() { return 0; }
        @Override public int destinationPort() { return 0; }
        @Override public long unixSource() { return 0; }
        @Override public long unixDestination() { return 0; }
        @Override public int paramCount() { return 1; }
        @Override public String paramName(int index) { return "res"; }
        @Override public int paramNativeType(int index) { return 4; }
        @Override public ValueType paramValueType(int index) { return ValueType.INT64; }
        @Override public int paramLength(int index) { return 8; }
        @Override public byte[] paramBytes(int index) { return new byte[8]; }
        @Override public long paramAsLong(int index) { return 0; }
        @Override public int paramIndex(String name) { return "res".equals(name) ? 0 : -1; }
    }

    /** What was in force when a batch was read. */
    record Filters(FilterTable filter, FilterTable threadless) {}

    private final List<List<Ev>> batches;
    final List<Filters> seen = new ArrayList<>();
    /** Called with the index of each batch just before it is read. */
    IntConsumer beforeBatch = i -> {};
    /** Called with the index (counted over the whole session) of each event the event loop moves to. */
    IntConsumer onEvent = i -> {};
    /** The index of the batch whose reading fails as a capture corrupt midway does (-1: none). */
    int failAt = -1;

    /** An engine configuration for these tests: the queue size and stall time given, no process suppressed. */
    static ProbeEngine.Config config(int queueSize, long stallMillis) {
        return new ProbeEngine.Config() {
            @Override public int sink_queue_size() { return queueSize; }
            @Override public long sink_stall_millis() { return stallMillis; }
            @Override public String[] suppressed_comms() { return new String[0]; }
            @Override public Class<? extends java.lang.annotation.Annotation> annotationType() { return ProbeEngine.Config.class; }
        };
    }

    FakeInspector(List<List<Ev>> batches) {
        this.batches = batches;
    }

    @Override
    public EventTable eventTable() {
        return new EventTable() {
            private final String[] names = {"syscall", "syscall", "read", "read", "switch", "NA"};
            @Override public int typeCount() { return names.length; }
            @Override public String typeName(int type) { return names[type]; }
            @Override public int categoryFlags(int type) { return 0; }
            @Override public int eventFlags(int type) { return 0; }
            @Override public int paramCount(int type) { return 0; }
            @Override public String paramName(int type, int index) { return ""; }
            @Override public int paramType(int type, int index) { return 0; }
            @Override public int syscallCount() { return 1; }
            @Override public String syscallName(int code) { return "foo"; }
            @Override public int genericEnterType() { return 0; }
        };
    }

    @Override
    public InspectorSession openFile(Path capture) {
        return new InspectorSession() {
            private FilterTable filter = new FilterTable(1);
            private FilterTable threadless = new FilterTable(1);
            private int next;
            private long copiedWithoutThread;
            private int handedOut;

            @Override public void setFilter(FilterTable f) { filter = f; }
            @Override public void setThreadlessFilter(FilterTable f) { threadless = f; }
            @Override public void setOwnPid(long pid) {}
            @Override public long copiedWithoutThread() { return copiedWithoutThread; }

            @Override
            public RawBatch nextBatch() throws InspectorException {
                if (next == failAt) {
                    throw new InspectorException("corrupt capture at batch " + next);
                }
                if (next >= batches.size()) {
                    return null;
                }
                beforeBatch.accept(next);
                seen.add(new Filters(filter, threadless));
                List<Ev> pass = new ArrayList<>();
                for (Ev e : batches.get(next++)) {
                    FilterTable t = e.thread() ? filter : threadless;
                    if (t.allows(e.type(), e.category().code())) {
                        pass.add(e);
                        if (!e.thread()) {
                            copiedWithoutThread++;
                        }
                    }
                }
                return new RawBatch() {
                    int i = -1;
                    @Override public int size() { return pass.size(); }
                    @Override public boolean next() {
                        if (++i < pass.size()) {
                            onEvent.accept(handedOut++);
                            return true;
                        }
                        return false;
                    }
                    @Override public RawEvent event() { return pass.get(i); }
                    @Override public void release() {}
                };
            }

            @Override public InspectorCounters counters() { return InspectorCounters.ZERO; }
            @Override public void close() {}
        };
    }

    @Override
    public InspectorSession openLive() {
        throw new UnsupportedOperationException();
    }
}
