package io.kindling.probe.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The probe's commands in the real Gogo runtime, as a plain Gogo console runs them (the message of
 * the exception is what the console prints): an option given without its value is refused with a
 * line that names it and the value it wants, and the commands' own forms still get every other
 * line, also the ones without words. The lines here are refused before the commands reach the
 * engine, which is not there.
 */
class GogoOptionsTest {
    private ThreadIOImpl threadIo;
    private CommandProcessorImpl processor;
    private CommandSession session;

    @BeforeEach
    void gogo() {
        threadIo = new ThreadIOImpl();
        threadIo.start();
        processor = new CommandProcessorImpl(threadIo);
        RunCommands runs = new RunCommands(null);
        add(new SubscriptionCommands(null, null, null, null), "subscribe", "unsubscribe", "subscriptions");
        add(runs, "open", "live", "start", "stop", "stats");
        add(new SuppressCommands(null, null, runs), "suppress");
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
    }

    private void add(Object commands, String... functions) {
        for (String f : functions) {
            processor.addCommand("probe", commands, f);
        }
    }

    @AfterEach
    void close() {
        session.close();
        processor.stop();
        threadIo.stop();
    }

    private String refusal(String line) {
        return assertThrows(IllegalArgumentException.class, () -> session.execute(line), line).getMessage();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "subscribe --sink|subscribe: --sink needs a value (SINK: the sink to subscribe; without it, the only sink)",
            "subscribe syscall_exit-read net --sink|subscribe: --sink needs a value (SINK: the sink to subscribe; without it, the only sink)",
            "probe:unsubscribe syscall_exit-read --sink|unsubscribe: --sink needs a value (SINK: the sink to change; without it, every sink)",
            "suppress --remove|suppress: --remove needs a value (COMM: takes a name off the list, from the next run on)",
            "live --write|live: --write needs a value (FILE: also records every event read to FILE, a capture that open FILE and sysdig -r read)"})
    void anOptionWithoutItsValueIsNamedWithTheValueItWants(String line, String message) {
        String refused = refusal(line);
        String name = line.replace("probe:", "").split(" ")[0];
        assertEquals(message + "\n" + Usage.of(name.equals("suppress") ? SuppressCommands.class
                : name.equals("live") ? RunCommands.class : SubscriptionCommands.class, name), refused);
        assertTrue(refused.contains("\nusage: " + name), refused);
    }

    @Test
    void everyOtherLineReachesTheCommandsOwnForm() throws Exception {
        // without words: the commands' own forms (their checks), not the fallback
        assertEquals("start: no source; open FILE or live first", refusal("start"));
        assertTrue(refusal("unsubscribe").startsWith("unsubscribe: missing argument\nusage: unsubscribe"));
        assertTrue(refusal("subscribe").startsWith("subscribe: missing argument\nusage: subscribe"));
        // flags and operands
        assertEquals("start: no source; open FILE or live first", refusal("start --wait"));
        assertTrue(refusal("stop now").startsWith("stop: unexpected argument 'now'"));
        assertTrue(refusal("subscribe a b c").startsWith("subscribe: unexpected argument 'c'"));
        assertTrue(refusal("unsubscribe --all a").startsWith("unsubscribe: unexpected argument 'a'"));
        assertEquals(Usage.of(SubscriptionCommands.class, "subscribe"), session.execute("subscribe --help"));
        assertEquals(Usage.of(RunCommands.class, "live"), session.execute("live -h"));
    }
}
