package io.kindling.probe.sink.example;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * An example sink, and the template for writing one's own: it counts the events it receives per
 * name and, when a run ends (or a live probe is idle), prints one summary line on standard error.
 *
 * <p>What makes a sink:
 * <ul>
 * <li>a Declarative Services component that provides {@link Sink}: the core finds it on the
 * whiteboard, gives it a bounded queue and a thread of its own, and calls {@link #deliver} there
 * (never concurrently), then {@link #flush} when the run ends or events stop coming;</li>
 * <li>the service properties {@code kindling.subscriptions} (what it receives) and
 * {@code kindling.sink.name} (its name in statistics and in the shell). Here they are attributes of
 * its Metatype-described configuration (PID {@value #PID}), with defaults, so the sink takes part as
 * soon as its bundle is started; a configuration (a {@code .cfg} file in the config folder, or the
 * shell's {@code subscribe ... --sink example}) changes them while it runs.</li>
 * </ul>
 */
@Component(name = ExampleSink.PID, service = Sink.class)
@SinkService(sink_name = "example", subscriptions = {"syscall_exit-connect", "syscall_exit-accept"})
@Designate(ocd = ExampleSink.Config.class)
public final class ExampleSink implements Sink {

    /** Component name and configuration PID. */
    public static final String PID = "io.kindling.probe.sink.example";

    @ObjectClassDefinition(name = "Kindling Probe example sink",
            description = "Counts the events it receives per name and prints a summary line when a run ends.")
    public @interface Config {
        @AttributeDefinition(name = "Names shown", min = "1", description = "How many event names the summary line shows.")
        int top() default 5;
    }

    private final PrintStream out;
    private volatile int top;
    /** Touched by the sink's delivery thread only. */
    private final Map<String, Long> counts = new HashMap<>();
    private long total;
    private boolean changed;

    @Activate
    public ExampleSink(Config config) {
        this(config, System.err);
    }

    ExampleSink(Config config, PrintStream out) {
        this.out = out;
        modified(config);
    }

    /** Subscriptions and name are service properties that the core reads; this sink only takes its own settings. */
    @Modified
    void modified(Config config) {
        top = Math.max(1, config.top());
    }

    @Override
    public void deliver(KindlingEvent event) {
        counts.merge(event.name(), 1L, Long::sum);
        total++;
        changed = true;
    }

    @Override
    public void flush() {
        if (changed) {
            changed = false;
            out.println(summary());
        }
    }

    /** For example {@code example: 1203 events (connect 1000, accept 203)}. */
    String summary() {
        String names = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(top).map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        return "example: " + total + " events (" + names + (counts.size() > top ? ", ..." : "") + ")";
    }
}
