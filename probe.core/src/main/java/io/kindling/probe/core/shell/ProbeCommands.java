package io.kindling.probe.core.shell;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.ProbeEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The probe's Gogo commands, in the {@code probe} scope. Each returns text (or throws an
 * {@link IllegalArgumentException} that says what is wrong, with the usage) and answers
 * {@code --help}. Subscriptions and suppressed processes are written into Configuration Admin, so
 * they persist, and each command returns once the engine routes with the change (it takes effect
 * at the event loop's next batch boundary).
 *
 * <p>No type of Gogo appears in a method signature: the core bundle imports Gogo's package
 * optionally and works without it (this component is then a service that nobody calls).
 */
@Component(service = ProbeCommands.class, immediate = true) // immediate: Gogo ungets the service after each command, and the source and run are kept here
@GogoCommand(scope = "probe", function = {"subscribe", "unsubscribe", "subscriptions", "events", "categories", "sinks",
        "converters", "stats", "open", "live", "start", "stop", "suppress"})
@Descriptor("the Kindling probe: subscriptions, sinks, converters and runs")
public final class ProbeCommands {

    static final String CORE_PID = "io.kindling.probe.core";
    /** The engine configuration's property of {@code ProbeEngine.Config#suppressed_comms()}. */
    static final String SUPPRESSED = "suppressed.comms";
    static final long APPLY_TIMEOUT_MILLIS = 10_000;
    static final long STOP_TIMEOUT_MILLIS = 30_000;

    static final String SUBSCRIBE = "usage: subscribe NAME [CATEGORY] [--sink SINK]\n"
            + "  Subscribes a sink to an event (NAME or NAME:CATEGORY; all for every event); without a category, in\n"
            + "  every category. Without --sink, the only sink. The change is saved in the sink's configuration.";
    static final String UNSUBSCRIBE = "usage: unsubscribe NAME [CATEGORY] [--sink SINK] | unsubscribe --all [--sink SINK]\n"
            + "  Removes a subscription (NAME without a category removes NAME in every category) from SINK, or from\n"
            + "  every sink that has it; --all removes every subscription.";
    static final String SUBSCRIPTIONS = "usage: subscriptions\n"
            + "  Each sink's subscriptions, and the union that the inspector's filter is built from.";
    static final String EVENTS = "usage: events [PATTERN]\n"
            + "  The event names that subscribe accepts; PATTERN is a part of the name or a glob (* and ?).";
    static final String CATEGORIES = "usage: categories\n  The categories that subscribe accepts.";
    static final String SINKS = "usage: sinks\n  Each sink: its bundle, its subscriptions and its figures.";
    static final String CONVERTERS = "usage: converters\n"
            + "  Each converter in the order they run: what it claims, its ranking, its bundle and its figures.";
    static final String STATS = "usage: stats\n"
            + "  The figures of the current or last run: events read, dropped by each rule, converted, and per sink\n"
            + "  delivered, queued, dropped and failed.";
    static final String OPEN = "usage: open FILE\n  Makes the capture FILE the source that start replays.";
    static final String LIVE = "usage: live\n  Makes live events (the kernel driver; needs root) the source that start reads.";
    static final String START = "usage: start [--wait]\n"
            + "  Starts reading the source (open FILE or live); --wait returns when a replay has ended, with its figures.";
    static final String STOP = "usage: stop\n  Stops the run at its next batch boundary and shows its figures.";
    static final String SUPPRESS = "usage: suppress [COMM] | suppress --remove COMM\n"
            + "  Events of processes named COMM (and of the threads they start) are no longer read, from the next batch\n"
            + "  of a running capture on (libsinsp's suppress_events_comm); at most 32 names. Without COMM, lists them;\n"
            + "  --remove takes a name off the list, from the next run on. Saved in the engine's configuration.";

    private final ProbeControl control;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configurationAdmin;

    /** Sinks and converters are looked up when a command runs: a sink configured a moment ago is there. */
    private final BundleContext context;

    private final Object lock = new Object();
    /** The capture that start replays; {@code null} with {@link #live} for live events. */
    private Path source;
    private boolean live;
    private Run run;

    @Activate
    public ProbeCommands(@Reference ProbeControl control, BundleContext context) {
        this.control = control;
        this.context = context;
    }

    private <S> List<ServiceReference<S>> services(Class<S> type) {
        try {
            return new ArrayList<>(context.getServiceReferences(type, null));
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- subscriptions

    @Descriptor("subscribes a sink to an event: subscribe NAME [CATEGORY] [--sink SINK]")
    public String subscribe(@Descriptor("NAME [CATEGORY] [--sink SINK]") String... args) throws IOException {
        Args a = Args.parse("subscribe", SUBSCRIBE, args, Set.of("--sink"), Set.of());
        if (a.help) {
            return SUBSCRIBE;
        }
        a.operands("subscribe", SUBSCRIBE, 1, 2);
        Subscription subscription = subscription("subscribe", SUBSCRIBE, a.operands);
        String warning = control.catalog().check(subscription); // an unknown name: the nearest ones
        ServiceReference<Sink> sink = sink("subscribe", a.values.get("--sink"));
        String name = sinkName(sink);
        List<String> now = subscriptionsOf(sink, name);
        if (now.contains(subscription.toString())) {
            return name + " is already subscribed to " + subscription;
        }
        List<String> next = new ArrayList<>(now);
        next.add(subscription.toString());
        write(sink, name, next);
        return name + ": subscribed to " + subscription + "; its subscriptions: " + String.join(", ", next)
                + (warning == null ? "" : "\nnote: " + warning);
    }

    @Descriptor("removes subscriptions: unsubscribe NAME [CATEGORY] [--sink SINK], or unsubscribe --all [--sink SINK]")
    public String unsubscribe(@Descriptor("NAME [CATEGORY] [--sink SINK] | --all [--sink SINK]") String... args)
            throws IOException {
        Args a = Args.parse("unsubscribe", UNSUBSCRIBE, args, Set.of("--sink"), Set.of("--all"));
        if (a.help) {
            return UNSUBSCRIBE;
        }
        boolean everything = a.flags.contains("--all");
        a.operands("unsubscribe", UNSUBSCRIBE, everything ? 0 : 1, everything ? 0 : 2);
        Subscription subscription = everything ? null : subscription("unsubscribe", UNSUBSCRIBE, a.operands);
        List<ServiceReference<Sink>> targets = a.values.containsKey("--sink")
                ? List.of(sink("unsubscribe", a.values.get("--sink"))) : sortedSinks();
        List<String> done = new ArrayList<>();
        for (ServiceReference<Sink> sink : targets) {
            String name = sinkName(sink);
            List<String> now = subscriptionsOf(sink, name);
            List<String> next = now.stream().filter(text -> !everything && !removes(subscription, text))
                    .collect(Collectors.toList());
            if (next.size() == now.size()) {
                continue;
            }
            write(sink, name, next);
            done.add(name + ": " + (next.isEmpty() ? "no subscriptions left" : "its subscriptions: " + String.join(", ", next)));
        }
        if (done.isEmpty()) {
            if (everything) {
                return "no sink had subscriptions";
            }
            throw new IllegalArgumentException("unsubscribe: " + (a.values.containsKey("--sink") ? "sink "
                    + a.values.get("--sink") + " is" : "no sink is") + " subscribed to " + subscription
                    + " (subscriptions lists them)");
        }
        return String.join("\n", done);
    }

    /** Whether unsubscribing {@code removed} takes {@code text} away: NAME alone takes NAME in every category. */
    private static boolean removes(Subscription removed, String text) {
        Subscription s;
        try {
            s = Subscription.parse(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!s.name().equals(removed.name())) {
            return false;
        }
        return removed.category() == null || removed.category() == s.category();
    }

    @Descriptor("shows each sink's subscriptions and the union pushed to the inspector's filter")
    public String subscriptions(@Descriptor("(none)") String... args) {
        Args a = Args.parse("subscriptions", SUBSCRIPTIONS, args, Set.of(), Set.of()).operands("subscriptions", SUBSCRIPTIONS, 0, 0);
        if (a.help) {
            return SUBSCRIPTIONS;
        }
        StringBuilder out = new StringBuilder();
        List<ServiceReference<Sink>> sinks = sortedSinks();
        if (sinks.isEmpty()) {
            out.append("no sinks\n");
        }
        for (ServiceReference<Sink> sink : sinks) {
            String name = sinkName(sink);
            List<String> subs = subscriptionsOf(sink, name);
            out.append(name).append(": ").append(subs.isEmpty() ? "(none)" : String.join(", ", subs))
                    .append("   [").append(SinkConfigurations.origin(sink)).append("]\n");
        }
        if (control instanceof ProbeEngine engine) {
            ProbeEngine.RoutingView view = engine.routingView();
            List<String> filter = view.filter().stream().map(Subscription::toString).distinct().collect(Collectors.toList());
            out.append("union pushed to the inspector's filter (sinks and active converters' needs): ")
                    .append(filter.isEmpty() ? "(none: every event is dropped before it is copied)" : String.join(", ", filter))
                    .append(" [").append(view.filterCells()).append(" event type and category cells]");
        } else {
            Set<String> union = new LinkedHashSet<>();
            sinks.forEach(s -> union.addAll(subscriptionsOf(s, sinkName(s))));
            out.append("union of the sinks' subscriptions: ").append(union.isEmpty() ? "(none)" : String.join(", ", union));
        }
        return out.toString();
    }

    @Descriptor("lists the event names that subscribe accepts")
    public String events(@Descriptor("[PATTERN]: a part of the name, or a glob with * and ?") String... args) {
        Args a = Args.parse("events", EVENTS, args, Set.of(), Set.of()).operands("events", EVENTS, 0, 1);
        if (a.help) {
            return EVENTS;
        }
        Pattern pattern = a.operands.isEmpty() ? null : glob(a.operands.get(0));
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (EventCatalog.Entry e : control.catalog().entries()) {
            if (pattern != null && !pattern.matcher(e.name()).matches()) {
                continue;
            }
            n++;
            out.append(e.producible() ? e.name() : String.format("%-36s not produced by this inspector (%s)", e.name(), e.origin()))
                    .append('\n');
        }
        if (n == 0) {
            throw new IllegalArgumentException("events: no event name matches '" + a.operands.get(0) + "'");
        }
        return out.append(n).append(n == 1 ? " event" : " events").toString();
    }

    @Descriptor("lists the categories that subscribe accepts")
    public String categories(@Descriptor("(none)") String... args) {
        Args a = Args.parse("categories", CATEGORIES, args, Set.of(), Set.of()).operands("categories", CATEGORIES, 0, 0);
        if (a.help) {
            return CATEGORIES;
        }
        return EventCatalog.categoryLabels();
    }

    // ---- sinks and converters

    @Descriptor("lists the sinks: bundle, subscriptions, figures")
    public String sinks(@Descriptor("(none)") String... args) {
        Args a = Args.parse("sinks", SINKS, args, Set.of(), Set.of()).operands("sinks", SINKS, 0, 0);
        if (a.help) {
            return SINKS;
        }
        List<ServiceReference<Sink>> sinks = sortedSinks();
        if (sinks.isEmpty()) {
            return "no sinks (configure one, or drop a sink bundle into the deploy folder)";
        }
        Map<String, SinkStatistics> figures = control.statistics().sinks().stream()
                .collect(Collectors.toMap(SinkStatistics::name, s -> s, (x, y) -> x));
        StringBuilder out = new StringBuilder();
        for (ServiceReference<Sink> sink : sinks) {
            String name = sinkName(sink);
            List<String> subs = subscriptionsOf(sink, name);
            out.append(name).append("  bundle ").append(bundle(sink.getBundle())).append("  ")
                    .append(SinkConfigurations.origin(sink)).append('\n');
            out.append("  subscriptions: ").append(subs.isEmpty() ? "(none)" : String.join(", ", subs)).append('\n');
            SinkStatistics s = figures.get(name);
            if (s != null) {
                out.append("  delivered ").append(s.delivered()).append(", queued ").append(s.queued()).append(", dropped ")
                        .append(s.dropped()).append(", failed ").append(s.failed()).append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    @Descriptor("lists the converters: what each claims, its ranking, its bundle, its figures")
    public String converters(@Descriptor("(none)") String... args) {
        Args a = Args.parse("converters", CONVERTERS, args, Set.of(), Set.of()).operands("converters", CONVERTERS, 0, 0);
        if (a.help) {
            return CONVERTERS;
        }
        List<ServiceReference<Converter>> refs = services(Converter.class);
        if (refs.isEmpty()) {
            return "no converters: events carry the thread and fd number, and up to 8 raw parameters as attributes";
        }
        refs.sort(Comparator.<ServiceReference<Converter>>comparingInt(r -> -ranking(r)).thenComparingLong(ProbeCommands::serviceId));
        Map<String, ConverterStatistics> figures = control.converterStatistics().stream()
                .collect(Collectors.toMap(ConverterStatistics::name, s -> s, (x, y) -> x));
        StringBuilder out = new StringBuilder();
        for (ServiceReference<Converter> r : refs) {
            String name = converterName(r);
            out.append(name).append("  ranking ").append(ranking(r)).append("  bundle ").append(bundle(r.getBundle())).append('\n');
            List<String> claims = new ArrayList<>();
            claim(claims, "events", r.getProperty(Converter.EVENTS));
            claim(claims, "fd types", r.getProperty(Converter.FD_TYPES));
            if (r.getProperty(Converter.EVENTS) == null && r.getProperty(Converter.FD_TYPES) == null
                    && r.getProperty(Converter.EMITS) == null && r.getProperty(Converter.NEEDS) == null) {
                claims.add("every event");
            }
            if (Boolean.parseBoolean(String.valueOf(r.getProperty(Converter.PROVIDES_ATTRIBUTES)))) {
                claims.add("writes the attributes");
            }
            claim(claims, "emits", r.getProperty(Converter.EMITS));
            claim(claims, "needs", r.getProperty(Converter.NEEDS));
            claim(claims, "needs without thread", r.getProperty(Converter.NEEDS_THREADLESS));
            out.append("  claims: ").append(String.join("; ", claims)).append('\n');
            ConverterStatistics s = figures.get(name);
            if (s != null) {
                out.append("  ").append(s.active() ? "active" : "inactive (no sink subscribes to what it emits)")
                        .append(", observed ").append(s.observed()).append(", emitted ").append(s.emitted());
                s.figures().forEach((k, v) -> out.append(", ").append(k).append(' ').append(v));
                out.append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    // ---- runs

    @Descriptor("shows the figures of the current or last run")
    public String stats(@Descriptor("(none)") String... args) {
        Args a = Args.parse("stats", STATS, args, Set.of(), Set.of()).operands("stats", STATS, 0, 0);
        if (a.help) {
            return STATS;
        }
        return figures();
    }

    @Descriptor("makes a capture file the source that start replays")
    public String open(@Descriptor("FILE") String... args) {
        Args a = Args.parse("open", OPEN, args, Set.of(), Set.of());
        if (a.help) {
            return OPEN;
        }
        a.operands("open", OPEN, 1, 1);
        Path path = capture(a.operands.get(0));
        synchronized (lock) {
            source = path;
            live = false;
            return "source: " + path + (running() ? " (the current run goes on; stop ends it)" : " (start replays it)");
        }
    }

    @Descriptor("makes live events the source that start reads")
    public String live(@Descriptor("(none)") String... args) {
        Args a = Args.parse("live", LIVE, args, Set.of(), Set.of()).operands("live", LIVE, 0, 0);
        if (a.help) {
            return LIVE;
        }
        synchronized (lock) {
            source = null;
            live = true;
            return "source: live events" + (running() ? " (the current run goes on; stop ends it)" : " (start reads them)");
        }
    }

    @Descriptor("starts reading the source; --wait returns when a replay has ended")
    public String start(@Descriptor("[--wait]") String... args) throws InterruptedException {
        Args a = Args.parse("start", START, args, Set.of(), Set.of("--wait")).operands("start", START, 0, 0);
        if (a.help) {
            return START;
        }
        Run started;
        String what;
        synchronized (lock) {
            if (source == null && !live) {
                throw new IllegalArgumentException("start: no source; open FILE or live first");
            }
            if (running()) {
                throw new IllegalArgumentException("start: a run is in progress; stop ends it");
            }
            try {
                started = live ? control.openLive() : control.open(capture(source.toString()));
            } catch (ProbeException e) {
                throw new IllegalArgumentException("start: " + (live ? "cannot read live events: " : source + ": ")
                        + e.getMessage());
            }
            run = started;
            what = live ? "live events" : source.toString();
        }
        if (!a.flags.contains("--wait")) {
            return "reading " + what + " (stats shows the figures, stop ends the run)";
        }
        started.await();
        return ended(started, what);
    }

    @Descriptor("stops the run at its next batch boundary")
    public String stop(@Descriptor("(none)") String... args) throws InterruptedException {
        Args a = Args.parse("stop", STOP, args, Set.of(), Set.of()).operands("stop", STOP, 0, 0);
        if (a.help) {
            return STOP;
        }
        Run current;
        synchronized (lock) {
            current = run;
        }
        if (current == null || current.isDone()) {
            return "no run in progress";
        }
        current.stop();
        if (!current.await(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("stop: the run did not end within " + STOP_TIMEOUT_MILLIS / 1000 + " s");
        }
        return "stopped\n" + figures();
    }

    @Descriptor("suppresses the events of processes by name (comm), or lists the suppressed names")
    public String suppress(@Descriptor("[COMM] | --remove COMM") String... args) throws IOException {
        Args a = Args.parse("suppress", SUPPRESS, args, Set.of("--remove"), Set.of()).operands("suppress", SUPPRESS, 0, 1);
        if (a.help) {
            return SUPPRESS;
        }
        String removed = a.values.get("--remove");
        if (removed != null && !a.operands.isEmpty()) {
            throw new IllegalArgumentException("suppress: give either COMM or --remove COMM\n" + SUPPRESS);
        }
        if (removed == null && a.operands.isEmpty()) {
            List<String> now = suppressedNow();
            return now.isEmpty() ? "no process is suppressed" : "suppressed: " + String.join(", ", now);
        }
        String comm = (removed != null ? removed : a.operands.get(0)).trim();
        if (comm.isEmpty() || comm.length() > 15) {
            throw new IllegalArgumentException("suppress: '" + comm + "' is not a process name (1 to 15 characters)");
        }
        ConfigurationAdmin admin = admin();
        Configuration configuration = admin.getConfiguration(CORE_PID, "?");
        Dictionary<String, Object> properties = configuration.getProperties();
        if (properties == null) {
            properties = new Hashtable<>();
        }
        // without the property the engine's defaults are in force: they are the list to change
        Set<String> names = new LinkedHashSet<>(properties.get(SUPPRESSED) != null ? strings(properties.get(SUPPRESSED)) : suppressedNow());
        if (removed != null ? !names.remove(comm) : !names.add(comm)) {
            return removed != null ? comm + " is not suppressed" : comm + " is already suppressed";
        }
        if (names.size() > 32) {
            throw new IllegalArgumentException("suppress: libsinsp suppresses at most 32 process names");
        }
        properties.put(SUPPRESSED, names.toArray(new String[0]));
        configuration.update(properties);
        if (control instanceof ProbeEngine engine) {
            await(() -> engine.suppressedComms().equals(List.copyOf(names)),
                    "the engine did not take the configuration " + CORE_PID);
        }
        if (removed != null) {
            return comm + " is no longer suppressed, from the next run on";
        }
        return "suppressed: " + String.join(", ", names) + " (" + (running() ? "from the next batch of the current run" : "from the next run")
                + " on, its events are not read)";
    }

    // ---- helpers

    private boolean running() {
        synchronized (lock) {
            return run != null && !run.isDone();
        }
    }

    private List<String> suppressedNow() {
        if (control instanceof ProbeEngine engine) {
            return engine.suppressedComms();
        }
        return List.of();
    }

    private String ended(Run finished, String what) {
        String failure = finished.failure();
        return (failure == null ? "ended: " + what : "ended early: " + what + ": " + failure) + "\n" + figures();
    }

    private String figures() {
        Statistics s = control.statistics();
        StringBuilder out = new StringBuilder();
        String state;
        synchronized (lock) {
            state = run == null ? "" : run.isDone() ? (run.failure() == null ? " (ended)" : " (failed: " + run.failure() + ")")
                    : " (running)";
        }
        out.append("read ").append(s.read()).append(state).append('\n');
        out.append("dropped before copying: ").append(s.droppedTotal());
        for (Map.Entry<DropRule, Long> e : s.dropped().entrySet()) {
            out.append(", ").append(e.getKey().label()).append(' ').append(e.getValue());
        }
        out.append('\n');
        out.append("converted ").append(s.converted()).append(", emitted by converters ").append(s.emitted()).append('\n');
        for (SinkStatistics k : s.sinks()) {
            out.append("sink ").append(k.name()).append(": delivered ").append(k.delivered()).append(", queued ").append(k.queued())
                    .append(", dropped ").append(k.dropped()).append(", failed ").append(k.failed()).append('\n');
        }
        if (s.sinks().isEmpty()) {
            out.append("no sinks\n");
        }
        out.append(String.format("%.3f s, %.0f events/s", s.elapsedNanos() / 1e9, s.eventsPerSecond()));
        return out.toString();
    }

    private ConfigurationAdmin admin() {
        ConfigurationAdmin admin = configurationAdmin;
        if (admin == null) {
            throw new IllegalStateException("Configuration Admin is not running (bundle org.apache.felix.configadmin):"
                    + " subscriptions and suppressed processes cannot be saved");
        }
        return admin;
    }

    /** Writes the sink's subscriptions and returns once the engine routes with them. */
    private void write(ServiceReference<Sink> sink, String name, List<String> subscriptions) throws IOException {
        String pid = SinkConfigurations.write(admin(), sink, name, subscriptions);
        if (control instanceof ProbeEngine engine) {
            Set<String> wanted = Set.copyOf(subscriptions);
            await(() -> {
                List<Subscription> routed = engine.routingView().sinks().get(name);
                return routed != null && routed.stream().map(Subscription::toString).collect(Collectors.toSet()).equals(wanted);
            }, "sink " + name + " did not take the subscriptions of configuration " + pid + " (see the log)");
        }
    }

    private static void await(BooleanSupplier done, String failure) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPLY_TIMEOUT_MILLIS);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(failure + " within " + APPLY_TIMEOUT_MILLIS / 1000 + " s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** NAME, NAME:CATEGORY, or NAME CATEGORY. */
    private static Subscription subscription(String command, String usage, List<String> operands) {
        String name = operands.get(0);
        Subscription s;
        try {
            s = Subscription.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(command + ": " + e.getMessage());
        }
        if (s.name().isEmpty()) {
            throw new IllegalArgumentException(command + ": an event NAME is needed\n" + usage);
        }
        if (operands.size() == 2) {
            if (s.category() != null) {
                throw new IllegalArgumentException(command + ": '" + name + "' already names a category\n" + usage);
            }
            Category category = Category.ofLabel(operands.get(1));
            if (category == null || category == Category.NONE) {
                throw new IllegalArgumentException(command + ": unknown category '" + operands.get(1) + "'; categories are "
                        + EventCatalog.categoryLabels());
            }
            s = new Subscription(s.name(), category);
        }
        return s;
    }

    private List<ServiceReference<Sink>> sortedSinks() {
        List<ServiceReference<Sink>> list = services(Sink.class);
        list.sort(Comparator.comparing(ProbeCommands::sinkName).thenComparingLong(ProbeCommands::serviceId));
        return list;
    }

    /** The sink named {@code name}, or the only sink when {@code name} is null. */
    private ServiceReference<Sink> sink(String command, String name) {
        List<ServiceReference<Sink>> sinks = sortedSinks();
        String names = sinks.stream().map(ProbeCommands::sinkName).collect(Collectors.joining(", "));
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException(command + ": there is no sink (configure one, or drop a sink bundle into the"
                    + " deploy folder)");
        }
        if (name == null) {
            if (sinks.size() > 1) {
                throw new IllegalArgumentException(command + ": there are several sinks (" + names + "); choose one with --sink");
            }
            return sinks.get(0);
        }
        List<ServiceReference<Sink>> named = sinks.stream().filter(s -> sinkName(s).equals(name)).collect(Collectors.toList());
        if (named.isEmpty()) {
            throw new IllegalArgumentException(command + ": no sink is named '" + name + "'; the sinks are " + names);
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException(command + ": several sinks are named '" + name + "'");
        }
        return named.get(0);
    }

    /** The subscriptions the engine routes the sink with (its service property when the engine does not say). */
    private List<String> subscriptionsOf(ServiceReference<Sink> sink, String name) {
        if (control instanceof ProbeEngine engine) {
            List<Subscription> routed = engine.routingView().sinks().get(name);
            if (routed != null) {
                return routed.stream().map(Subscription::toString).distinct().collect(Collectors.toList());
            }
        }
        return new ArrayList<>(strings(sink.getProperty(Sink.SUBSCRIPTIONS)));
    }

    static String sinkName(ServiceReference<?> sink) {
        Object n = sink.getProperty(Sink.NAME);
        if (n == null) {
            n = sink.getProperty("component.name");
        }
        return n != null ? n.toString() : "sink-" + serviceId(sink);
    }

    private static String converterName(ServiceReference<?> r) {
        Object n = r.getProperty(Converter.NAME);
        if (n == null) {
            n = r.getProperty("component.name");
        }
        return n != null ? n.toString() : "converter-" + serviceId(r);
    }

    private static long serviceId(ServiceReference<?> r) {
        Object id = r.getProperty(Constants.SERVICE_ID);
        return id instanceof Long l ? l : 0L;
    }

    private static int ranking(ServiceReference<?> r) {
        Object v = r.getProperty(Constants.SERVICE_RANKING);
        return v instanceof Integer i ? i : 0;
    }

    private static String bundle(Bundle b) {
        return b == null ? "(gone)" : b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "]";
    }

    private static void claim(List<String> claims, String what, Object value) {
        Collection<String> values = strings(value);
        if (!values.isEmpty()) {
            claims.add(what + " " + String.join(",", values));
        }
    }

    static Set<String> strings(Object value) {
        Set<String> out = new LinkedHashSet<>();
        if (value instanceof String s) {
            split(out, s);
        } else if (value instanceof String[] a) {
            for (String s : a) {
                split(out, s);
            }
        } else if (value instanceof Collection<?> c) {
            for (Object o : c) {
                split(out, String.valueOf(o));
            }
        }
        return out;
    }

    private static void split(Set<String> out, String s) {
        for (String part : s.split(",")) {
            if (!part.trim().isEmpty()) {
                out.add(part.trim());
            }
        }
    }

    private static Pattern glob(String text) {
        boolean wild = text.indexOf('*') >= 0 || text.indexOf('?') >= 0;
        StringBuilder regex = new StringBuilder(wild ? "" : ".*");
        for (char c : text.toCharArray()) {
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.append(wild ? "" : ".*").toString());
    }

    private static Path capture(String file) {
        Path path;
        try {
            path = Path.of(file).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("open: " + file + ": not a valid path");
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("open: " + file + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("open: " + file + ": is a directory, not a capture file");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("open: " + file + ": permission denied");
        }
        return path;
    }
}
