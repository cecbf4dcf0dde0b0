package io.kindling.probe.core.shell;

import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code events} and {@code categories}: the names and categories that {@code subscribe} accepts. */
@Component(service = CatalogCommands.class)
@GogoCommand(scope = "probe", function = {"events", "categories"})
@Descriptor("the Kindling probe: the event names and categories")
public final class CatalogCommands {

    private final ProbeControl control;

    @Activate
    public CatalogCommands(@Reference ProbeControl control) {
        this.control = control;
    }

    @Descriptor("lists the event names that subscribe accepts; PATTERN is a part of the name or a glob (* and ?)")
    public String events(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            @Descriptor("[PATTERN]") String... operands) {
        if (help) {
            return Usage.of(getClass(), "events");
        }
        List<String> given = Usage.operands(getClass(), "events", operands, 0, 1);
        Pattern pattern = given.isEmpty() ? null : glob(given.get(0));
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
            throw new IllegalArgumentException("events: no event name matches '" + given.get(0) + "'");
        }
        return out.append(n).append(n == 1 ? " event" : " events").toString();
    }

    @Descriptor("lists the categories that subscribe accepts")
    public String categories(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) {
        if (help) {
            return Usage.of(getClass(), "categories");
        }
        Usage.operands(getClass(), "categories", operands, 0, 0);
        return EventCatalog.categoryLabels();
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
}
