package io.kindling.probe.core;

import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.RoutingView;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.source.InspectorException;
import io.kindling.probe.api.source.InspectorSession;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
 * The probe's engine as a component: binds the converters and sinks of the whiteboard into
 * {@link Routing}, starts one {@link EventLoop} per run on its own thread, and reports the run's
 * {@link RunFigures}. A change of converters, sinks or configuration takes effect at the event
 * loop's next batch boundary.
 */
@Component(service = {ProbeControl.class, ProbeRouting.class}, configurationPid = ProbeEngine.PID, immediate = true)
@Designate(ocd = ProbeEngine.Config.class)
public final class ProbeEngine implements ProbeControl, ProbeRouting {
    static final String PID = "io.kindling.probe.core";
    private static final System.Logger LOG = System.getLogger(ProbeEngine.class.getName());

    @ObjectClassDefinition(name = "Kindling probe engine")
    public @interface Config {
        @AttributeDefinition(name = "Default sink queue size", min = "16",
                description = "Events a sink's queue holds, exactly, unless the sink's kindling.sink.queue.size says otherwise")
        int sink_queue_size() default 8192;

        @AttributeDefinition(name = "Stall time (ms)",
                description = "During a replay, how long a full sink queue is waited for before the sink's events are dropped")
        long sink_stall_millis() default 2000;

        @AttributeDefinition(name = "Suppressed processes",
                description = "Process names (comm) whose events are not delivered: a name covers every thread whose command"
                        + " is that name, that is the process running the program, its threads and its children that have not"
                        + " executed a program of another name; never a program such a child executes (a container's processes"
                        + " stay visible). At most 32, each up to 15 characters. A name added during a run applies at once; a"
                        + " name removed applies from the next run. By default Kindling's: its collector and the container"
                        + " runtime daemons (runc and the containers they start are not covered).")
        String[] suppressed_comms() default {"kindling-collec", "containerd", "dockerd", "containerd-shim"};
    }

    private final Inspector inspector;
    private final Routing routing;
    private final RunFigures figures = new RunFigures();
    private volatile int defaultQueueSize = 8192;
    private volatile long stallMillis = 2000;

    private final Object runLock = new Object();
    private EngineRun current;
    private EventLoop loop;

    @Activate
    public ProbeEngine(@Reference Inspector inspector, Config config) {
        this.inspector = inspector;
        this.routing = new Routing(inspector.eventTable(), () -> defaultQueueSize);
        configure(config, "the defaults apply");
    }

    /** A new engine configuration: refused, with a log line that says why, when a value is wrong. */
    @Modified
    void modified(Config config) {
        configure(config, "the previous one stays");
    }

    private void configure(Config config, String otherwise) {
        String problem = EngineSettings.check(config);
        if (problem != null) {
            LOG.log(Level.WARNING, "configuration " + PID + " refused: " + problem + "; " + otherwise);
            return;
        }
        defaultQueueSize = config.sink_queue_size();
        stallMillis = config.sink_stall_millis();
        routing.suppress(EngineSettings.comms(config.suppressed_comms())); // the event loop suppresses new names at its next batch
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
                run.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (SinkChannel c : routing.channels()) {
            c.close();
        }
    }

    // ---- whiteboard

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addConverter(Converter converter, Map<String, Object> props) {
        routing.putConverter(converter, props);
    }

    void updatedConverter(Converter converter, Map<String, Object> props) {
        routing.putConverter(converter, props);
    }

    /**
     * Takes a converter out of routing. During a run, returns once the event loop has reached the next batch
     * boundary, where it calls the converter's {@code end} (what it holds is delivered) and calls it no more:
     * the converter's bundle may then go. A loop that does not get there within the stall time (a sink that
     * blocks it) is not waited for longer.
     */
    void removeConverter(Converter converter) {
        long version = routing.removeConverter(converter);
        awaitLoop(version);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addSink(Sink sink, Map<String, Object> props) {
        routing.putSink(sink, props);
    }

    /**
     * New properties of a sink. A new name or queue size gives it a new channel from the next batch on: the
     * old one is retired as a removed sink's is (what it holds is delivered), and the new one delivers after it.
     */
    void updatedSink(Sink sink, Map<String, Object> props) {
        Routing.Removed replaced = routing.putSink(sink, props);
        if (replaced.channel() != null) {
            retire(replaced.channel(), replaced.version(), true);
        }
    }

    void removeSink(Sink sink) {
        Routing.Removed removed = routing.removeSink(sink);
        if (removed.channel() != null) {
            retire(removed.channel(), removed.version(), false);
        }
    }

    /**
     * Closes a removed sink's channel. During a run, once the event loop has finished the batch it
     * was working on (it routes no further event to the channel), what the channel holds is delivered
     * while the sink makes progress; the rest is counted as dropped, and its figures stay in the run's
     * statistics. Called while the sink service is being unregistered, so the sink still takes events.
     */
    private void retire(SinkChannel channel, long version, boolean replaced) {
        EngineRun run;
        synchronized (runLock) {
            run = current;
        }
        boolean running = run != null && !run.isDone();
        // a replaced channel's successor takes the events from version's first batch on, and waits for it:
        // the batch that routes to the successor is not waited for
        if (running && awaitLoop(version, replaced)) {
            try {
                channel.drain(Math.max(stallMillis, 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        channel.close();
        if (running) {
            figures.retire(channel.statistics());
        }
    }

    /**
     * Waits, during a run, until the event loop has finished a batch routed with {@code version} or a later
     * one (or the run ended), at most the stall time; returns whether it got there (true without a run).
     */
    private boolean awaitLoop(long version) {
        return awaitLoop(version, false);
    }

    /** {@code begun}: until the loop works on a batch routed with {@code version} (it need not finish it). */
    private boolean awaitLoop(long version, boolean begun) {
        EngineRun run;
        EventLoop l;
        synchronized (runLock) {
            run = current;
            l = loop;
        }
        if (run == null || run.isDone()) {
            return true;
        }
        if (Thread.currentThread() == l.thread()) {
            return false; // called back from the loop itself (an inspector's or a sink's doing): it cannot wait for itself
        }
        try {
            return routing.changes().await(() -> (begun ? l.began(version) : l.reached(version)) || run.isDone(),
                    Math.max(stallMillis, 1000),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- routing

    @Override
    public RoutingView routing() {
        return routing.view();
    }

    @Override
    public boolean awaitRouting(Predicate<? super RoutingView> condition, long timeout, TimeUnit unit)
            throws InterruptedException {
        return routing.changes().await(() -> condition.test(routing.view()), timeout, unit);
    }

    // ---- control

    @Override
    public EventCatalog catalog() {
        return routing.catalog();
    }

    @Override
    public Run open(Path capture) throws ProbeException {
        return start(() -> inspector.openFile(capture), stallMillis);
    }

    @Override
    public Run openLive() throws ProbeException {
        return start(inspector::openLive, 0);
    }

    @Override
    public Run openLive(Path capture) throws ProbeException {
        return start(() -> inspector.openLive(capture), 0);
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
            figures.reset(routing.channels(), routing.converters());
            EventLoop l = new EventLoop(s, run, routing, figures, waitMillis, Math.max(stallMillis, 1000));
            try {
                l.followRouting(); // a live capture has begun once the subscriptions' programs are loaded
            } catch (InspectorException | RuntimeException e) {
                s.close();
                throw new ProbeException("cannot apply the subscriptions: " + e.getMessage(), e);
            }
            current = run;
            loop = l;
            Thread thread = l.start();
            return run;
        }
    }

    @Override
    public Statistics statistics() {
        List<SinkStatistics> routed = new ArrayList<>();
        for (SinkChannel ch : routing.channels()) {
            routed.add(ch.statistics());
        }
        return figures.statistics(routed);
    }

    @Override
    public List<ConverterStatistics> converterStatistics() {
        return RunFigures.converters(routing.converters());
    }

    @Override
    public long copiedWithoutThread() {
        return figures.copiedWithoutThread();
    }

    @Override
    public long paramsCut() {
        return figures.paramsCut();
    }

    @Override
    public Statistics baseline(Path capture, Collection<Subscription> subscriptions) throws ProbeException {
        return Baseline.run(inspector, routing.catalog(), routing.converters(), capture, subscriptions);
    }
}
