package io.kindling.probe.core.shell;

import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.Run;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code suppress}: libsinsp's suppress_events_comm, saved in the engine's configuration. */
@Component(service = SuppressCommands.class)
@GogoCommand(scope = "probe", function = "suppress")
@Descriptor("the Kindling probe: processes whose events are not read")
public final class SuppressCommands {
    /** libscap's SCAP_MAX_SUPPRESSED_COMMS, and the length of a process name. */
    private static final int MAX_NAMES = 32;
    private static final int MAX_COMM = 15;

    private final ProbeRouting routing;
    private final ConfigurationWriter configurations;
    private final RunCommands runs;

    @Activate
    public SuppressCommands(@Reference ProbeRouting routing, @Reference ConfigurationWriter configurations,
            @Reference RunCommands runs) {
        this.routing = routing;
        this.configurations = configurations;
        this.runs = runs;
    }

    @Descriptor("events of every thread whose command is COMM are no longer delivered, from the next batch of a running"
            + " capture on: the process running COMM, its threads and its children that have not executed another program;"
            + " never a program such a child executes (the containers a runtime daemon starts stay visible). At most 32"
            + " names. Without COMM, lists them. Saved in the engine's configuration.")
    public String suppress(
            @Descriptor("COMM: takes a name off the list, from the next run on") @Parameter(names = "--remove", absentValue = "")
            String remove,
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            @Descriptor("[COMM]") String... operands) throws IOException {
        if (help) {
            return Usage.of(getClass(), "suppress");
        }
        List<String> given = Usage.operands(getClass(), "suppress", operands, 0, 1);
        boolean removing = !remove.isEmpty();
        if (removing && !given.isEmpty()) {
            throw new IllegalArgumentException("suppress: give either COMM or --remove COMM\n" + Usage.of(getClass(), "suppress"));
        }
        if (!removing && given.isEmpty()) {
            List<String> now = routing.routing().suppressed();
            return now.isEmpty() ? "no process is suppressed" : "suppressed: " + String.join(", ", now);
        }
        String comm = (removing ? remove : given.get(0)).trim();
        if (comm.isEmpty() || comm.length() > MAX_COMM) {
            throw new IllegalArgumentException("suppress: '" + comm + "' is not a process name (1 to " + MAX_COMM + " characters)");
        }
        // without a saved list the engine's defaults are in force: they are the list to change
        Set<String> names = new LinkedHashSet<>(configurations.suppressed().orElseGet(() -> routing.routing().suppressed()));
        if (removing ? !names.remove(comm) : !names.add(comm)) {
            return removing ? comm + " is not suppressed" : comm + " is already suppressed";
        }
        if (names.size() > MAX_NAMES) {
            throw new IllegalArgumentException("suppress: at most " + MAX_NAMES + " process names are suppressed");
        }
        configurations.suppressed(names);
        List<String> wanted = List.copyOf(names);
        configurations.await(routing, view -> view.suppressed().equals(wanted),
                "the engine did not take the configuration " + ConfigurationWriter.CORE_PID);
        if (removing) {
            return comm + " is no longer suppressed, from the next run on";
        }
        Run current = runs.current();
        boolean running = current != null && !current.isDone();
        return "suppressed: " + String.join(", ", names) + " (" + (running ? "from the next batch of the current run"
                : "from the next run") + " on, the events of threads running it are not delivered)";
    }

    /** Gogo's call when the words fit none of this class's commands' forms: {@link Usage#unfit} says why. */
    public String _main(Word... words) {
        throw Usage.unfit(getClass(), words);
    }
}
