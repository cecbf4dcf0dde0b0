package io.kindling.probe.core.shell;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Prints what a command answers in Apache Karaf's non-interactive sessions ({@code bin/client
 * COMMAND}, {@code ssh -p 8101 karaf@host COMMAND}): Karaf runs such a command in a headless session
 * and drops the value it returns, which its console and every Gogo console print. The probe's commands
 * answer with their return value, so without this a user of {@code bin/client} saw nothing. Only
 * Karaf's headless sessions are concerned (a Karaf session, {@code .session}, without a line reader,
 * {@code .jline.reader}); consoles that print answers themselves are left alone. Karaf and Felix Gogo
 * call every {@link CommandSessionListener} service; where Gogo does not run (no command processor)
 * this component stays unsatisfied.
 */
@Component(service = CommandSessionListener.class)
public final class HeadlessAnswers implements CommandSessionListener {

    /** Present only where a Gogo runtime runs, which is where this listener is called. */
    @Reference
    private CommandProcessor processor;

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // nothing before
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        // Karaf reports failures itself
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        if (!(result instanceof CharSequence) || !headlessKaraf(session)) {
            return;
        }
        session.getConsole().println(session.format(result, Converter.INSPECT));
        session.getConsole().flush();
    }

    /** A session of Karaf's (it keeps its own session object) that has no line reader: not its console. */
    static boolean headlessKaraf(CommandSession session) {
        return session.get(".session") != null && session.get(".jline.reader") == null;
    }
}
