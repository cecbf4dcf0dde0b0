package io.kindling.probe.core.shell;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The sinks' subscriptions: {@code subscribe}, {@code unsubscribe} and {@code subscriptions}. A
 * change is written into the sink's configuration (so that it persists), and the command returns
 * once the engine routes with it.
 */
@Component(service = SubscriptionCommands.class)
@GogoCommand(scope = "probe", function = {"subscribe", "unsubscribe", "subscriptions"})
@Descriptor("the Kindling probe: the sinks' subscriptions")
public final class SubscriptionCommands {

    private final ProbeControl control;
    private final ProbeRouting routing;
    private final SinkServices sinks;
    private final ConfigurationWriter configurations;

    @Activate
    public SubscriptionCommands(@Reference ProbeControl control, @Reference ProbeRouting routing,
            @Reference ConfigurationWriter configurations, BundleContext context) {
        this.control = control;
        this.routing = routing;
        this.sinks = new SinkServices(context, routing);
        this.configurations = configurations;
    }

    @Descriptor("subscribes a sink to an event (NAME or NAME:CATEGORY; all for every event); without a category, in every"
            + " category. The change is saved in the sink's configuration.")
    public String subscribe(
            @Descriptor("SINK: the sink to subscribe; without it, the only sink") @Parameter(names = "--sink", absentValue = "")
            String sink,
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            @Descriptor("NAME [CATEGORY]") String... operands) throws IOException {
        if (help) {
            return Usage.of(getClass(), "subscribe");
        }
        Subscription subscription = subscription("subscribe", Usage.operands(getClass(), "subscribe", operands, 1, 2));
        String warning = control.catalog().check(subscription); // an unknown name: the nearest ones
        ServiceReference<Sink> reference = sinks.named("subscribe", sink);
        String name = SinkServices.name(reference);
        List<String> now = sinks.subscriptions(reference);
        if (now.contains(subscription.toString())) {
            return name + " is already subscribed to " + subscription;
        }
        List<String> next = new ArrayList<>(now);
        next.add(subscription.toString());
        write(reference, name, next);
        return name + ": subscribed to " + subscription + "; its subscriptions: " + String.join(", ", next)
                + (warning == null ? "" : "\nnote: " + warning);
    }

    @Descriptor("removes a subscription (NAME without a category removes NAME in every category) from SINK, or from every"
            + " sink that has it")
    public String unsubscribe(
            @Descriptor("SINK: the sink to change; without it, every sink") @Parameter(names = "--sink", absentValue = "")
            String sink,
            @Descriptor("removes every subscription") @Parameter(names = "--all", presentValue = "true", absentValue = "false")
            String every,
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            @Descriptor("NAME [CATEGORY]") String... operands) throws IOException {
        if (help) {
            return Usage.of(getClass(), "unsubscribe");
        }
        boolean all = Boolean.parseBoolean(every);
        List<String> given = Usage.operands(getClass(), "unsubscribe", operands, all ? 0 : 1, all ? 0 : 2);
        Subscription subscription = all ? null : subscription("unsubscribe", given);
        List<ServiceReference<Sink>> targets = sink.isEmpty() ? sinks.sorted() : List.of(sinks.named("unsubscribe", sink));
        List<String> done = new ArrayList<>();
        for (ServiceReference<Sink> reference : targets) {
            String name = SinkServices.name(reference);
            List<String> now = sinks.subscriptions(reference);
            List<String> next = now.stream().filter(text -> !all && !removes(subscription, text)).collect(Collectors.toList());
            if (next.size() == now.size()) {
                continue;
            }
            write(reference, name, next);
            done.add(name + ": " + (next.isEmpty() ? "no subscriptions left" : "its subscriptions: " + String.join(", ", next)));
        }
        if (done.isEmpty()) {
            if (all) {
                return "no sink had subscriptions";
            }
            throw new IllegalArgumentException("unsubscribe: " + (sink.isEmpty() ? "no sink is" : "sink " + sink + " is")
                    + " subscribed to " + subscription + " (subscriptions lists them)");
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
        return s.name().equals(removed.name()) && (removed.category() == null || removed.category() == s.category());
    }

    @Descriptor("shows each sink's subscriptions and where they come from, and the union that the inspector's filter is"
            + " built from")
    public String subscriptions(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) {
        if (help) {
            return Usage.of(getClass(), "subscriptions");
        }
        Usage.operands(getClass(), "subscriptions", operands, 0, 0);
        StringBuilder out = new StringBuilder();
        List<ServiceReference<Sink>> all = sinks.sorted();
        if (all.isEmpty()) {
            out.append("no sinks\n");
        }
        for (ServiceReference<Sink> reference : all) {
            List<String> subs = sinks.subscriptions(reference);
            out.append(SinkServices.name(reference)).append(": ").append(subs.isEmpty() ? "(none)" : String.join(", ", subs))
                    .append("   [").append(SinkConfigurations.origin(reference)).append("]\n");
        }
        var view = routing.routing();
        List<String> filter = view.filter().stream().map(Subscription::toString).distinct().collect(Collectors.toList());
        return out.append("union pushed to the inspector's filter (sinks and active converters' needs): ")
                .append(filter.isEmpty() ? "(none: every event is dropped before it is copied)" : String.join(", ", filter))
                .append(" [").append(view.filterCells()).append(" event type and category cells]").toString();
    }

    /** Writes the sink's subscriptions and returns once the engine routes with them. */
    private void write(ServiceReference<Sink> sink, String name, List<String> subscriptions) throws IOException {
        String pid = configurations.subscriptions(sink, name, subscriptions);
        Set<String> wanted = Set.copyOf(subscriptions);
        configurations.await(routing, view -> {
            List<Subscription> routed = view.sinks().get(name);
            return routed != null && routed.stream().map(Subscription::toString).collect(Collectors.toSet()).equals(wanted);
        }, "sink " + name + " did not take the subscriptions of configuration " + pid + " (see the log)");
    }

    /** NAME, NAME:CATEGORY, or NAME CATEGORY. */
    private Subscription subscription(String command, List<String> operands) {
        String name = operands.get(0);
        Subscription s;
        try {
            s = Subscription.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(command + ": " + e.getMessage());
        }
        if (s.name().isEmpty()) {
            throw new IllegalArgumentException(command + ": an event NAME is needed\n" + Usage.of(getClass(), command));
        }
        if (operands.size() == 2) {
            if (s.category() != null) {
                throw new IllegalArgumentException(command + ": '" + name + "' already names a category\n"
                        + Usage.of(getClass(), command));
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

    /** Gogo's call when the words fit none of this class's commands' forms: {@link Usage#unfit} says why. */
    public String _main(Word... words) {
        throw Usage.unfit(getClass(), words);
    }
}
