package io.kindling.probe.core;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.source.RawBatch;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import java.lang.System.Logger.Level;
import io.kindling.probe.api.spi.Converter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One run's event loop: reads the inspector's batches, converts each event that a sink selects with
 * the converters that match it, offers it to those sinks, and hands the raw events that active
 * converters need to them. It takes the routing's latest {@link Routing.Tables} at each batch
 * boundary, and publishes the version it finished a batch with, so that a removed sink can be
 * drained once no further event is routed to it.
 */
final class EventLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
    private static final ConverterRouting.Observer[] NO_OBSERVERS = new ConverterRouting.Observer[0];

    private final InspectorSession session;
    private final EngineRun run;
    private final Routing routing;
    private final RunFigures figures;
    /** How long a full sink queue is waited for (a replay), 0 for live events. */
    private final long waitMillis;
    private final long drainMillis;
    private final ThreadContexts threads = new ThreadContexts();
    private final DeliveredNames deliveredNames = new DeliveredNames();
    private final ParamLayouts layouts = new ParamLayouts();
    private final EventEmitter emitter;
    /** What {@link #followRouting} gave the inspector last: routing version, snaplen, suppressed names. */
    private long followedVersion = -1;
    private ConverterRouting.Snaplens snaplen = ConverterRouting.Snaplens.NONE;
    private final Set<String> suppressed = new HashSet<>();
    /** The tables of the last batch; event loop thread only. */
    private Routing.Tables routed;
    /** The routing version the loop has finished a batch with (-1 before the first, MAX_VALUE once ended). */
    private volatile long loopVersion = -1;
    /** The routing version of the batch the loop works on: the sinks of earlier tables have all their events. */
    private volatile long batchVersion = -1;

    EventLoop(InspectorSession session, EngineRun run, Routing routing, RunFigures figures, long waitMillis, long drainMillis) {
        this.session = session;
        this.run = run;
        this.routing = routing;
        this.figures = figures;
        this.waitMillis = waitMillis;
        this.drainMillis = drainMillis;
        this.emitter = event -> emit(event, routing.tables());
    }

    private volatile Thread thread;

    /** Runs the loop on a thread of its own. */
    Thread start() {
        Thread t = new Thread(this, "kindling-event-loop");
        t.setDaemon(true);
        thread = t;
        t.start();
        return t;
    }

    /** The thread the loop runs on (null before {@link #start}). */
    Thread thread() {
        return thread;
    }

    /** Whether the loop has finished a batch with routing {@code version} or a later one, or has ended. */
    boolean reached(long version) {
        return loopVersion >= version;
    }

    /**
     * Whether the loop works on a batch routed with {@code version} or a later one, or has ended: a sink channel
     * that earlier tables routed to and {@code version}'s do not has been handed every event it gets.
     */
    boolean began(long version) {
        return batchVersion >= version || loopVersion == Long.MAX_VALUE;
    }

    @Override
    public void run() {
        try {
            read();
        } catch (InspectorException e) {
            run.fail(e.getMessage());
        } catch (Throwable e) { // an Error too: the run must end, and say why
            LOG.log(Level.ERROR, "event loop failed", e);
            run.fail("event loop failed: " + e);
        } finally {
            try {
                endConverters();
            } finally {
                figures.read(session);
                session.close();
                for (SinkChannel c : routing.tables().routes()) {
                    drain(c);
                }
                figures.ended();
                loopVersion = Long.MAX_VALUE;
                run.finish();
                routing.changes().signal();
            }
        }
    }

    /**
     * Tells every converter that the run ended, however it ended (a capture corrupt midway too), so that
     * what they hold is delivered and none of it carries into the next run.
     */
    private void endConverters() {
        Routing.Tables last = routed;
        if (last != null) {
            endRemoved(last); // removed during the last batch: the loop never routed without them
        }
        for (ConverterEntry c : ConverterEntry.sorted(routing.converters())) {
            try {
                c.converter.end(emitter);
            } catch (Throwable e) {
                c.failed("at the end of the run", e);
            }
            if (toldActive.remove(c.converter)) { // outside a run no converter is active
                try {
                    c.converter.activeChanged(false);
                } catch (Throwable e) {
                    c.failed("when told it is inactive", e);
                }
            }
        }
    }

    private void drain(SinkChannel c) {
        try {
            if (!c.drain(drainMillis)) {
                LOG.log(Level.WARNING, "sink " + c.name() + " did not drain its queue at the end of the run");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gives the inspector the routing's latest filters, snaplen and suppressed names when they changed.
     * Called by the loop before each batch, and once by the engine before the loop starts, so that a
     * live capture has loaded and switched on what the subscriptions ask for (the inspector does that
     * when a filter is set) by the time the run is returned. One thread at a time: the engine's call
     * happens before the loop's thread starts.
     */
    void followRouting() throws InspectorException {
        Routing.Tables filters = routing.tables();
        if (followedVersion == filters.version()) {
            return;
        }
        followedVersion = filters.version();
        session.setFilter(filters.union().table());
        session.setThreadlessFilter(filters.threadless());
        if (!filters.snaplen().equals(snaplen)) {
            snaplen = filters.snaplen();
            requireSnaplen(snaplen);
        }
        suppress(filters, suppressed);
    }

    /**
     * A live capture keeps what the active converters need: of every I/O call, and of socket I/O where more; a
     * capture that cannot keep more of sockets than of the rest keeps the sockets' figure of every call.
     */
    private void requireSnaplen(ConverterRouting.Snaplens need) {
        int sockets = session.requireSocketSnaplen(need.sockets() > need.io() ? need.sockets() : 0);
        int every = session.requireSnaplen(sockets >= 0 ? need.io() : Math.max(need.io(), need.sockets()));
        if (every > 0) {
            LOG.log(Level.INFO, "live capture keeps " + every + " bytes of each I/O call's data"
                    + (sockets > every ? " and " + sockets + " of each socket I/O call's" : "")
                    + (need.io() > 0 || need.sockets() > 0 ? " (active converters need " + need.io() + " and, of sockets, "
                            + need.sockets() + ")" : ""));
        }
    }

    private void read() throws InspectorException {
        ConverterRouting.Observer[] watching = NO_OBSERVERS;
        EventEmitter[] watchingEmitters = new EventEmitter[0];
        while (!run.stopRequested()) {
            followRouting();
            RawBatch batch = session.nextBatch();
            if (batch == null) {
                break;
            }
            Routing.Tables t = routing.tables();
            if (t != routed && routed != null) {
                endRemoved(routed); // before the sinks take the new tables' selections
            }
            for (SinkChannel c : t.routes()) {
                c.beginBatch();
            }
            if (t != routed) {
                tellActive(t);
                routed = t;
            }
            batchVersion = t.version();
            if (t.observers() != watching) {
                endDeactivated(watching, t.observers());
                watching = t.observers();
                watchingEmitters = new EventEmitter[watching.length];
                for (int i = 0; i < watching.length; i++) {
                    watchingEmitters[i] = watching[i].counting(emitter);
                }
            }
            long processed = 0;
            try {
                while (batch.next()) {
                    processed++;
                    process(batch.event(), t.chain(), t.routes(), watching, watchingEmitters);
                }
            } finally {
                figures.converted.addAndGet(processed); // once per batch, like the inspector's counters
                batch.release();
            }
            for (SinkChannel c : t.routes()) {
                c.handOver(waitMillis);
            }
            loopVersion = t.version();
            figures.read(session);
            routing.changes().signal();
        }
    }

    /**
     * Converts an event for the sinks that select it (if any), then hands it to the active converters
     * that need it. Events without thread information only ever reach those converters, except the kernel
     * TCP events of a kernel context ({@link RawEvent#kernelContext()}), which sinks receive without a thread.
     */
    private void process(RawEvent raw, ConverterEntry[] convs, SinkChannel[] targets, ConverterRouting.Observer[] watching,
            EventEmitter[] watchingEmitters) {
        int type = raw.type();
        int sc = raw.genericSyscall();
        int cat = raw.category().code();
        if (raw.hasThread() || raw.kernelContext()) {
            KindlingEvent event = null;
            for (SinkChannel c : targets) {
                if (c.batchSelection().selects(type, sc, cat)) {
                    if (event == null) {
                        event = convert(raw, convs);
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
                } catch (Throwable e) {
                    o.entry.failed("on " + raw.name(), e);
                }
            }
        }
    }

    /**
     * Calls {@code end} of the converters that were routed with {@code before} and are no longer registered,
     * so that what they hold is delivered; the engine waits for this batch boundary before it lets them go.
     * What they emit goes to the sinks as {@code before} routed them: the names such a converter emitted are
     * no longer in the catalog, so the sinks' new selections no longer list them.
     */
    private void endRemoved(Routing.Tables before) {
        EventEmitter toBefore = event -> emit(event, before);
        Set<Converter> ended = new HashSet<>();
        for (ConverterEntry[] entries : List.of(before.chain(), observed(before.observers()))) {
            for (ConverterEntry e : entries) {
                if (!routing.hasConverter(e.converter) && ended.add(e.converter)) {
                    try {
                        e.converter.end(toBefore);
                    } catch (Throwable x) {
                        e.failed("when it was removed", x);
                    }
                }
            }
        }
        if (!ended.isEmpty()) {
            for (SinkChannel c : before.routes()) {
                c.handOver(waitMillis); // a channel the new tables no longer route to gets no later hand-over
            }
        }
    }

    /** The converters told they are active, event loop thread only. */
    private final Set<Converter> toldActive = new HashSet<>();

    /**
     * Tells the converters that became active or inactive with these tables, at the batch boundary from
     * which the change applies: a converter that both converts and observes sees one state for a whole batch.
     */
    private void tellActive(Routing.Tables t) {
        for (ConverterEntry e : ConverterEntry.sorted(routing.converters())) {
            boolean active = t.active().contains(e.converter);
            if (active != toldActive.contains(e.converter)) {
                try {
                    e.converter.activeChanged(active);
                } catch (Throwable x) {
                    e.failed("when told it is " + (active ? "active" : "inactive"), x);
                }
                if (active) {
                    toldActive.add(e.converter);
                } else {
                    toldActive.remove(e.converter);
                }
            }
        }
        toldActive.retainAll(t.active());
    }

    private static ConverterEntry[] observed(ConverterRouting.Observer[] observers) {
        ConverterEntry[] entries = new ConverterEntry[observers.length];
        for (int i = 0; i < observers.length; i++) {
            entries[i] = observers[i].entry;
        }
        return entries;
    }

    /** Calls {@code end} of the converters that stopped being active (and are still registered). */
    private void endDeactivated(ConverterRouting.Observer[] before, ConverterRouting.Observer[] now) {
        for (ConverterRouting.Observer b : before) {
            boolean still = false;
            for (ConverterRouting.Observer n : now) {
                still |= n.entry.converter == b.entry.converter;
            }
            if (!still && routing.hasConverter(b.entry.converter)) {
                try {
                    b.entry.converter.end(emitter);
                } catch (Throwable e) {
                    b.entry.failed("when it became inactive", e);
                }
            }
        }
    }

    /** The event as sinks receive it: thread and fd context, converters' parts, default attributes. */
    private KindlingEvent convert(RawEvent raw, ConverterEntry[] convs) {
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
                } catch (Throwable e) {
                    c.failed("on " + raw.name(), e);
                }
            }
        }
        if (!attributesDone) {
            DefaultAttributes.copy(raw, event, layouts);
        }
        return event;
    }

    /** Hands an event a converter emitted to the sinks that select it, once the converting converters enriched it. */
    private void emit(KindlingEvent event, Routing.Tables tables) {
        figures.emitted.incrementAndGet();
        boolean enriched = false;
        for (SinkChannel c : tables.routes()) {
            if (c.batchSelection().selectsEmitted(event.name(), event.category())) {
                if (!enriched) {
                    enrich(event, tables.chain());
                    enriched = true;
                }
                c.offer(event, waitMillis);
            }
        }
    }

    private static void enrich(KindlingEvent event, ConverterEntry[] convs) {
        for (ConverterEntry c : convs) {
            try {
                c.converter.enrich(event);
            } catch (Throwable e) {
                c.failed("on emitted " + event.name(), e);
            }
        }
    }

    /** Hands the inspector the suppressed process names it does not have yet. */
    private void suppress(Routing.Tables filters, Set<String> done) {
        for (String comm : filters.suppressed()) {
            if (done.add(comm)) {
                try {
                    if (!session.suppressComm(comm)) {
                        LOG.log(Level.WARNING, "this inspector cannot suppress processes; '" + comm + "' is read");
                    }
                } catch (InspectorException e) {
                    LOG.log(Level.WARNING, "process '" + comm + "' not suppressed: " + e.getMessage());
                }
            }
        }
    }
}
