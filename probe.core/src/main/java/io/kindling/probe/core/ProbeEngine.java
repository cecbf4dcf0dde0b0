package io.kindling.probe.core;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.api.spi.Sink;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The event loop: reads batches from the inspector on its own thread, converts each event with the
 * registered converters, and routes it to the sinks whose subscriptions select it. Converters and
 * sinks are whiteboard services; a change to them takes effect at the next batch boundary.
 */
@Component(service = ProbeControl.class, configurationPid = ProbeEngine.PID, immediate = true)
@Designate(ocd = ProbeEngine.Config.class)
public final class ProbeEngine implements ProbeControl {
    static final String PID = "io.kindling.probe.core";
    private static final System.Logger LOG = System.getLogger(ProbeEngine.class.getName());

    @ObjectClassDefinition(name = "Kindling probe engine")
    public @interface Config {
        @AttributeDefinition(name = "Default sink queue size", min = "16")
        int sink_queue_size() default 8192;

        @AttributeDefinition(name = "Stall time (ms)",
                description = "During a replay, how long a full sink queue is waited for before the sink's events are dropped")
        long sink_stall_millis() default 2000;

        @AttributeDefinition(name = "Suppressed processes",
                description = "Process names (comm) whose events are not read at all, as the seed's suppress_events_comm:"
                        + " at most 32, each up to 15 characters. A name added during a run applies at once; a name removed"
                        + " applies from the next run. By default Kindling's: its collector and the container runtime daemons.")
        String[] suppressed_comms() default {"kindling-collec", "containerd", "dockerd", "containerd-shim"};
    }

    private final Inspector inspector;
    /** Rebuilt when the names that converters emit change. */
    private volatile Catalog catalog;
    private volatile int defaultQueueSize;
    private volatile long stallMillis;
    /** Process names whose events the inspector suppresses (engine configuration). */
    private volatile List<String> suppressedComms = List.of();
    /** The routing version that the event loop has finished a batch with (-1 between runs). */
    private volatile long loopVersion = -1;
    /** Figures of the sinks removed during the current run, by name. */
    private final Map<String, SinkStatistics> retired = new ConcurrentHashMap<>();
    /** Sinks' latest properties whose subscriptions were refused; tried again when the catalog changes. */
    private final Map<Sink, Map<String, Object>> refused = new ConcurrentHashMap<>();

    private final Map<Converter, ConverterEntry> converters = new ConcurrentHashMap<>();
    private final Map<Sink, SinkChannel> sinks = new ConcurrentHashMap<>();
    private volatile ConverterEntry[] chain = new ConverterEntry[0];
    private volatile SinkChannel[] routes = new SinkChannel[0];
    private volatile Selection union;
    /** Converters' part of routing: who is active, who observes what; the threadless filter. */
    private volatile ConverterRouting.Observer[] observers = new ConverterRouting.Observer[0];
    private volatile io.kindling.probe.api.source.FilterTable threadless;
    private final Map<Sink, Map<String, Object>> sinkProperties = new ConcurrentHashMap<>();
    private volatile long copiedWithoutThread;
    private volatile long paramsCut;
    private final AtomicLong routingVersion = new AtomicLong();

    private final Object runLock = new Object();
    /** Caches of the event loop thread. */
    private final ThreadContexts threads = new ThreadContexts();
    private final DeliveredNames deliveredNames = new DeliveredNames();
    private final ParamLayouts layouts = new ParamLayouts();
    private EngineRun current;
    private final AtomicLong converted = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private volatile InspectorCounters counters = InspectorCounters.ZERO;
    private volatile long startNanos;
    private volatile long endNanos;

    @Activate
    public ProbeEngine(@Reference Inspector inspector, Config config) {
        this.inspector = inspector;
        this.catalog = new Catalog(inspector.eventTable(), Map.of());
        String problem = EngineSettings.check(config);
        if (problem != null) {
            LOG.log(Level.WARNING, "configuration " + PID + " refused: " + problem + "; the defaults apply");
        } else {
            apply(config);
        }
        this.union = Selection.compile(catalog, List.of());
        this.threadless = union.table();
    }

    private void apply(Config config) {
        defaultQueueSize = config.sink_queue_size();
        stallMillis = config.sink_stall_millis();
        suppressedComms = EngineSettings.comms(config.suppressed_comms());
    }

    /** A new engine configuration: refused, with a log line that says why, when a value is wrong. */
    @Modified
    void modified(Config config) {
        String problem = EngineSettings.check(config);
        if (problem != null) {
            LOG.log(Level.WARNING, "configuration " + PID + " refused: " + problem + "; the previous one stays");
            return;
        }
        apply(config);
        routingVersion.incrementAndGet(); // the event loop suppresses new names at its next batch
    }

    /** The process names whose events are suppressed. */
    public List<String> suppressedComms() {
        return suppressedComms;
    }

    @Deactivate
    void deactivate() {
        EngineRun run;
        synchronized (runLock) {
            run = current;
        }
        if (run != null) {
            run.stop();
            try {
                run.await(java.util.concurrent.TimeUnit.SECONDS.toMillis(30), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (SinkChannel c : sinks.values()) {
            c.close();
        }
        sinks.clear();
    }

    // ---- whiteboard

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addConverter(Converter converter, Map<String, Object> props) {
        converters.put(converter, new ConverterEntry(converter, props));
        convertersChanged();
    }

    void updatedConverter(Converter converter, Map<String, Object> props) {
        addConverter(converter, props);
    }

    synchronized void removeConverter(Converter converter) {
        converters.remove(converter);
        convertersChanged();
    }

    /** Lists the names converters emit in the catalog (recompiling the sinks' selections when they changed), and reroutes. */
    private void convertersChanged() {
        Map<String, String> emitted = ConverterRouting.emittedNames(converters.values());
        if (!emitted.equals(catalog.emittedByConverters())) {
            catalog = new Catalog(inspector.eventTable(), emitted);
            sinks.forEach((sink, channel) -> {
                Map<String, Object> wanted = refused.get(sink);
                if (wanted != null && SinkSubscriptions.problem(catalog, wanted) == null) {
                    refused.remove(sink);
                    sinkProperties.put(sink, wanted);
                    LOG.log(Level.INFO, "sink " + channel.name() + ": its subscriptions are accepted now");
                }
                channel.setSelection(selectionOf(sinkProperties.getOrDefault(sink, Map.of())));
            });
        }
        reroute();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addSink(Sink sink, Map<String, Object> props) {
        SinkChannel existing = sinks.get(sink);
        String problem = SinkSubscriptions.problem(catalog, props);
        if (problem != null) {
            // a wrong configuration is refused whole: the sink keeps what it had (nothing, when it is new)
            refused.put(sink, props);
            Map<String, Object> previous = sinkProperties.get(sink);
            LOG.log(Level.WARNING, "sink " + sinkName(sink, props) + ": subscriptions refused: " + problem
                    + (previous == null ? "; it receives nothing until they are fixed"
                            : "; it keeps " + Properties.strings(previous.get(Sink.SUBSCRIPTIONS))));
            props = previous != null ? previous : withoutSubscriptions(props);
        } else {
            refused.remove(sink);
        }
        sinkProperties.put(sink, props);
        Selection selection = selectionOf(props);
        if (existing != null) {
            existing.setSelection(selection);
        } else {
            String name = sinkName(sink, props);
            sinks.put(sink, new SinkChannel(sink, name, selection, Properties.integer(props.get(Sink.QUEUE_SIZE), defaultQueueSize)));
        }
        reroute();
    }

    void updatedSink(Sink sink, Map<String, Object> props) {
        addSink(sink, props);
    }

    void removeSink(Sink sink) {
        SinkChannel channel;
        long version;
        synchronized (this) {
            channel = sinks.remove(sink);
            sinkProperties.remove(sink);
            refused.remove(sink);
            reroute();
            version = routingVersion.get();
        }
        if (channel != null) {
            retire(channel, version);
        }
    }

    private static Map<String, Object> withoutSubscriptions(Map<String, Object> props) {
        Map<String, Object> copy = new java.util.HashMap<>(props);
        copy.remove(Sink.SUBSCRIPTIONS);
        return copy;
    }

    /**
     * Closes a removed sink's channel. During a run, once the event loop has finished the batch it
     * was working on (it routes no further event to the channel), what the channel holds is delivered
     * while the sink makes progress; the rest is counted as dropped, and its figures stay in the run's
     * statistics. Called while the sink service is being unregistered, so the sink still takes events.
     */
    private void retire(SinkChannel channel, long version) {
        EngineRun run;
        synchronized (runLock) {
            run = current;
        }
        boolean running = run != null && !run.isDone();
        if (running) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.max(stallMillis, 1000));
            while (loopVersion < version && !run.isDone() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            if (loopVersion >= version || run.isDone()) {
                try {
                    channel.drain(Math.max(stallMillis, 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        channel.close();
        if (running) {
            SinkStatistics s = channel.statistics();
            retired.merge(s.name(), s, (a, b) -> new SinkStatistics(a.name(), a.delivered() + b.delivered(),
                    a.dropped() + b.dropped(), a.failed() + b.failed(), a.queued() + b.queued()));
        }
    }

    private static String sinkName(Sink sink, Map<String, Object> props) {
        Object n = props.get(Sink.NAME);
        if (n != null) {
            return n.toString();
        }
        Object c = props.get("component.name");
        return c != null ? c.toString() : sink.getClass().getSimpleName();
    }

    private Selection selectionOf(Map<String, Object> props) {
        List<Subscription> subs = new ArrayList<>();
        for (String text : Properties.strings(props.get(Sink.SUBSCRIPTIONS))) {
            try {
                Subscription s = Subscription.parse(text);
                String warning = catalog.check(s);
                if (warning != null) {
                    LOG.log(Level.DEBUG, warning);
                }
                subs.add(s);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "sink subscription ignored: " + e.getMessage());
            }
        }
        return Selection.compile(catalog, subs);
    }

    private synchronized void reroute() {
        SinkChannel[] active = sinks.values().stream().filter(c -> !c.selection().isEmpty()).toArray(SinkChannel[]::new);
        List<Selection> selections = new ArrayList<>();
        for (SinkChannel c : active) {
            selections.add(c.selection());
        }
        ConverterRouting converterRouting = ConverterRouting.compute(catalog, converters.values(), selections);
        union = converterRouting.filter;
        threadless = converterRouting.threadless;
        chain = converterRouting.chain;
        observers = converterRouting.observers;
        routes = active;
        routingVersion.incrementAndGet();
    }

    // ---- control

    @Override
    public EventCatalog catalog() {
        return catalog;
    }

    @Override
    public Run open(Path capture) throws ProbeException {
        return start(() -> inspector.openFile(capture), stallMillis);
    }

    @Override
    public Run openLive() throws ProbeException {
        return start(inspector::openLive, 0);
    }

    private interface Opener {
        InspectorSession open() throws InspectorException;
    }

    private Run start(Opener opener, long waitMillis) throws ProbeException {
        synchronized (runLock) {
            if (current != null && !current.isDone()) {
                throw new ProbeException("a run is already in progress; stop it first");
            }
            InspectorSession s;
            try {
                s = opener.open();
            } catch (InspectorException e) {
                throw new ProbeException(e.getMessage(), e);
            }
            EngineRun run = new EngineRun(this::statistics);
            current = run;
            converted.set(0);
            emitted.set(0);
            counters = InspectorCounters.ZERO;
            copiedWithoutThread = 0;
            paramsCut = 0;
            retired.clear();
            loopVersion = -1;
            for (SinkChannel c : sinks.values()) {
                c.resetCounts(); // the figures of a run are the run's, for the sinks as for the engine
            }
            for (ConverterEntry c : converters.values()) {
                c.observed.set(0);
                c.emitted.set(0);
            }
            startNanos = System.nanoTime();
            endNanos = 0;
            Thread loop = new Thread(() -> loop(s, run, waitMillis), "kindling-event-loop");
            loop.setDaemon(true);
            loop.start();
            return run;
        }
    }

    private void loop(InspectorSession s, EngineRun run, long waitMillis) {
        long version = -1;
        ConverterEntry[] convs = chain;
        SinkChannel[] targets = routes;
        EventEmitter emitter = event -> emit(event, routes, waitMillis);
        ConverterRouting.Observer[] watching = new ConverterRouting.Observer[0];
        EventEmitter[] watchingEmitters = new EventEmitter[0];
        java.util.Set<String> suppressed = new java.util.HashSet<>();
        try {
            while (!run.stopRequested()) {
                if (version != routingVersion.get()) {
                    version = routingVersion.get();
                    s.setFilter(union.table());
                    s.setThreadlessFilter(threadless);
                    suppress(s, suppressed);
                }
                RawBatch batch = s.nextBatch();
                if (batch == null) {
                    break;
                }
                long batchVersion = routingVersion.get();
                convs = chain;
                targets = routes;
                for (SinkChannel c : targets) {
                    c.beginBatch();
                }
                ConverterRouting.Observer[] now = observers;
                if (now != watching) {
                    endDeactivated(watching, now, emitter);
                    watching = now;
                    watchingEmitters = new EventEmitter[now.length];
                    for (int i = 0; i < now.length; i++) {
                        watchingEmitters[i] = now[i].counting(emitter);
                    }
                }
                long processed = 0;
                try {
                    while (batch.next()) {
                        processed++;
                        process(batch.event(), convs, targets, emitter, waitMillis, watching, watchingEmitters);
                    }
                } finally {
                    converted.addAndGet(processed); // once per batch, like the inspector's counters
                    batch.release();
                }
                for (SinkChannel c : targets) {
                    c.handOver(waitMillis);
                }
                loopVersion = batchVersion;
                counters = s.counters();
                copiedWithoutThread = s.copiedWithoutThread();
                paramsCut = s.paramsCut();
            }
            for (ConverterEntry c : ConverterEntry.sorted(converters.values())) {
                try {
                    c.converter.end(emitter);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "converter " + c.name + " failed at the end of the run: " + e);
                }
            }
        } catch (InspectorException e) {
            run.fail(e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "event loop failed", e);
            run.fail("event loop failed: " + e);
        } finally {
            counters = s.counters();
            copiedWithoutThread = s.copiedWithoutThread();
            paramsCut = s.paramsCut();
            s.close();
            for (SinkChannel c : routes) {
                try {
                    if (!c.drain(Math.max(stallMillis, 1000))) {
                        LOG.log(Level.WARNING, "sink " + c.name() + " did not drain its queue at the end of the run");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            endNanos = System.nanoTime();
            loopVersion = Long.MAX_VALUE;
            run.finish();
        }
    }

    /**
     * Converts an event for the sinks that select it (if any), then hands it to the active converters
     * that need it. Events without thread information only ever reach those converters.
     */
    private void process(RawEvent raw, ConverterEntry[] convs, SinkChannel[] targets, EventEmitter emitter, long waitMillis,
            ConverterRouting.Observer[] watching, EventEmitter[] watchingEmitters) {
        int type = raw.type();
        int sc = raw.genericSyscall();
        int cat = raw.category().code();
        if (raw.hasThread()) {
            KindlingEvent event = null;
            for (SinkChannel c : targets) {
                if (c.batchSelection().selects(type, sc, cat)) {
                    if (event == null) {
                        event = convert(raw, convs, emitter);
                    }
                    if (event.isWithheld()) {
                        break;
                    }
                    c.offer(event, waitMillis);
                }
            }
        }
        for (int i = 0; i < watching.length; i++) {
            ConverterRouting.Observer o = watching[i];
            if (o.wants(raw, type, sc, cat)) {
                o.entry.observed.incrementAndGet();
                try {
                    o.entry.converter.observe(raw, watchingEmitters[i]);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "converter " + o.entry.name + " failed on " + raw.name() + ": " + e);
                }
            }
        }
    }

    /** Calls {@code end} of the converters that stopped being active (and are still registered). */
    private void endDeactivated(ConverterRouting.Observer[] before, ConverterRouting.Observer[] now, EventEmitter emitter) {
        for (ConverterRouting.Observer b : before) {
            boolean still = false;
            for (ConverterRouting.Observer n : now) {
                still |= n.entry.converter == b.entry.converter;
            }
            if (!still && converters.containsKey(b.entry.converter)) {
                try {
                    b.entry.converter.end(emitter);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "converter " + b.entry.name + " failed when it became inactive: " + e);
                }
            }
        }
    }

    /** The event as sinks receive it: thread and fd context, converters' parts, default attributes. */
    private KindlingEvent convert(RawEvent raw, ConverterEntry[] convs, EventEmitter emitter) {
        KindlingEvent event = new KindlingEvent(deliveredNames.of(raw), raw.category(), raw.source(), raw.timestamp(), raw.latency(),
                raw.hasThread() ? threads.of(raw) : null);
        if (raw.hasFd()) {
            event.setFd(new FdContext(raw.fdNum(), raw.fdType()));
        }
        boolean attributesDone = false;
        for (ConverterEntry c : convs) {
            if (c.matches(raw)) {
                try {
                    c.converter.convert(raw, event, emitter);
                    attributesDone |= c.providesAttributes;
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "converter " + c.name + " failed on " + raw.name() + ": " + e);
                }
            }
        }
        if (!attributesDone) {
            DefaultAttributes.copy(raw, event, layouts);
        }
        return event;
    }

    private void emit(KindlingEvent event, SinkChannel[] targets, long waitMillis) {
        emitted.incrementAndGet();
        for (SinkChannel c : targets) {
            if (c.batchSelection().selectsEmitted(event.name(), event.category())) {
                c.offer(event, waitMillis);
            }
        }
    }

    /** Hands the inspector the suppressed process names it does not have yet. Event loop thread only. */
    private void suppress(InspectorSession s, java.util.Set<String> done) {
        for (String comm : suppressedComms) {
            if (done.add(comm)) {
                try {
                    if (!s.suppressComm(comm)) {
                        LOG.log(Level.WARNING, "this inspector cannot suppress processes; '" + comm + "' is read");
                    }
                } catch (InspectorException e) {
                    LOG.log(Level.WARNING, "process '" + comm + "' not suppressed: " + e.getMessage());
                }
            }
        }
    }

    /**
     * What the shell shows of routing: each routed sink's subscriptions (by sink name), the
     * subscriptions the inspector's filter is built from (the sinks' and the active converters'
     * needs), and how many (event type, category) cells of the filter are set.
     */
    public record RoutingView(Map<String, List<Subscription>> sinks, List<Subscription> filter, int filterCells) {}

    public synchronized RoutingView routingView() {
        Map<String, List<Subscription>> bySink = new java.util.TreeMap<>();
        for (SinkChannel c : sinks.values()) {
            bySink.put(c.name(), c.selection().subscriptions());
        }
        Selection u = union;
        int cells = 0;
        for (byte b : u.table().typeCells()) {
            cells += b != 0 ? 1 : 0;
        }
        return new RoutingView(bySink, u.subscriptions(), cells);
    }

    private static Map<DropRule, Long> dropRules(InspectorCounters c) {
        Map<DropRule, Long> dropped = new EnumMap<>(DropRule.class);
        dropped.put(DropRule.OWN_PROCESS, c.ownProcess());
        dropped.put(DropRule.INTERNAL, c.internal());
        dropped.put(DropRule.NO_THREAD, c.noThread());
        dropped.put(DropRule.IO_RESULT, c.ioResult());
        dropped.put(DropRule.UNSUBSCRIBED, c.unsubscribed());
        return dropped;
    }

    @Override
    public Statistics statistics() {
        InspectorCounters c = counters;
        Map<DropRule, Long> dropped = dropRules(c);
        List<SinkStatistics> sinkStats = new ArrayList<>();
        synchronized (this) { // a sink listed here is routed to
            for (SinkChannel ch : sinks.values()) {
                sinkStats.add(ch.statistics());
            }
        }
        for (SinkStatistics r : retired.values()) {
            sinkStats.add(new SinkStatistics(r.name() + " (removed)", r.delivered(), r.dropped(), r.failed(), r.queued()));
        }
        sinkStats.sort(java.util.Comparator.comparing(SinkStatistics::name));
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        long elapsed = startNanos == 0 ? 0 : end - startNanos;
        return new Statistics(c.read(), dropped, converted.get(), emitted.get(), sinkStats, elapsed);
    }

    @Override
    public List<io.kindling.probe.api.control.ConverterStatistics> converterStatistics() {
        List<io.kindling.probe.api.control.ConverterStatistics> list = new ArrayList<>();
        for (ConverterEntry c : ConverterEntry.sorted(converters.values())) {
            Map<String, Long> figures;
            try {
                figures = c.converter.statistics();
            } catch (RuntimeException e) {
                figures = Map.of();
            }
            list.add(new io.kindling.probe.api.control.ConverterStatistics(c.name, c.active, c.observed.get(), c.emitted.get(),
                    figures == null ? Map.of() : figures));
        }
        return list;
    }

    @Override
    public long copiedWithoutThread() {
        return copiedWithoutThread;
    }

    @Override
    public long paramsCut() {
        return paramsCut;
    }

    @Override
    public Statistics baseline(Path capture, java.util.Collection<Subscription> subscriptions) throws ProbeException {
        Selection selection = Selection.compile(catalog, subscriptions);
        try (InspectorSession s = inspector.openFile(capture)) {
            long start = System.nanoTime(); // after the open, as for a run (see start)
            s.setFilter(selection.table());
            long passed = s.countRest();
            long elapsed = System.nanoTime() - start;
            InspectorCounters c = s.counters();
            return new Statistics(c.read(), dropRules(c), passed, 0, List.of(), elapsed);
        } catch (InspectorException e) {
            throw new ProbeException(e.getMessage(), e);
        }
    }
}
