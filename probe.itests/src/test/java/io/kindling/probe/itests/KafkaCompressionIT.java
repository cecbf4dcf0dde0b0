package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.KafkaTopic;
import io.kindling.probe.itests.support.Services;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The kafka sink's lz4 and zstd compression in Felix, with the lz4-java and zstd-jni bundles of the
 * distribution: one kafka sink per codec, configured through Configuration Admin, publishes a replay's
 * read and write exits to a topic of its own on a real broker (outside the framework, {@link KafkaTopic});
 * the broker stores the batches with that codec, and a plain consumer reads every record back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KafkaCompressionIT {

    static final List<String> CODECS = List.of("lz4", "zstd");
    static final String[] SUBSCRIPTIONS = {"syscall_exit-read", "syscall_exit-write"};

    @Configuration
    public Option[] configuration() {
        return ExamBundles.options(List.of("bundle.lz4-java", "bundle.zstd-jni"),
                List.of("bundle.probe.converter.socket", "bundle.probe.converter.file", "bundle.probe.sink.jsonl",
                        "bundle.probe.sink.kafka", "bundle.probe.generator"));
    }

    private static BundleContext context() {
        return FrameworkUtil.getBundle(KafkaCompressionIT.class).getBundleContext();
    }

    @Test
    public void eachCodecsRecordsAreStoredCompressedAndReadBack() throws Exception {
        for (String symbolicName : List.of("lz4-java", "com.github.luben.zstd-jni")) {
            Bundle b = bundle(symbolicName);
            assertEquals(symbolicName + " is active", Bundle.ACTIVE, b.getState());
        }
        Path capture = BundleRestartIT.capture();
        List<String> topics = CODECS.stream().map(c -> "codec-" + c).toList();
        try (KafkaTopic kafka = KafkaTopic.start(BundleRestartIT.work().resolve("kafka-codecs"), topics, 4, List.of("read", "write"))) {
            BundleRestartIT.CountingSink twin = new BundleRestartIT.CountingSink();
            Hashtable<String, Object> twinProperties = new Hashtable<>();
            twinProperties.put(Sink.SUBSCRIPTIONS, SUBSCRIPTIONS);
            twinProperties.put(Sink.NAME, "twin");
            ServiceRegistration<Sink> registration = context().registerService(Sink.class, twin, twinProperties);
            ConfigurationAdmin admin = Services.await(context(), ConfigurationAdmin.class);
            List<org.osgi.service.cm.Configuration> configurations = new ArrayList<>();
            try {
                for (String codec : CODECS) {
                    org.osgi.service.cm.Configuration c = admin.getFactoryConfiguration("io.kindling.probe.sink.kafka", codec, "?");
                    Hashtable<String, Object> k = new Hashtable<>();
                    k.put("kindling.subscriptions", SUBSCRIPTIONS);
                    k.put("kindling.sink.name", "kafka-" + codec);
                    k.put("bootstrap.servers", kafka.bootstrap());
                    k.put("topic", "codec-" + codec);
                    k.put("compression", codec);
                    c.update(k);
                    configurations.add(c);
                }
                ProbeControl control = Services.await(context(), ProbeControl.class);
                HotSwapUnderLoadIT.await(() -> HotSwapUnderLoadIT.routes(control, "twin") && CODECS.stream()
                        .allMatch(codec -> HotSwapUnderLoadIT.routes(control, "kafka-" + codec)),
                        "the engine routes to the kafka sinks");
                Run run = control.open(capture);
                assertTrue("the replay ends", run.await(2, TimeUnit.MINUTES));
                assertNull("the replay ends without failure", run.failure());
                long expected = twin.count.get();
                assertTrue("the replay gives the kafka sinks events", expected > 1000);
                StringBuilder figures = new StringBuilder();
                for (String codec : CODECS) {
                    // a sink's queue may outlast the run's end by a little: its producer waits for the
                    // broker's acknowledgement of each partition's first record before it sends more
                    HotSwapUnderLoadIT.await(() -> statistics(control, codec).queued() == 0, codec + ": the sink's queue drains");
                    SinkStatistics s = statistics(control, codec);
                    assertEquals(codec + ": every event delivered to the sink, none dropped or failed (delivered, dropped, failed)",
                            List.of(expected, 0L, 0L), List.of(s.delivered(), s.dropped(), s.failed()));
                    KafkaTopic.Count count = kafka.count("codec-" + codec, expected);
                    assertEquals(codec + ": every record read back once", expected, count.records());
                    HotSwapUnderLoadIT.await(() -> Long.valueOf(expected).equals(statistics(control, codec).figures()
                            .get("records.acknowledged")), codec + ": the sink's figures count every record acknowledged");
                    assertEquals(codec + ": the sink's figures: none lost or refused", List.of(0L, 0L, 0L),
                            List.of(statistics(control, codec).figures().get("records.lost"),
                                    statistics(control, codec).figures().get("records.refused"),
                                    statistics(control, codec).figures().get("records.pending")));
                    assertEquals(codec + ": records of other events", 0, count.unexpected());
                    assertEquals(codec + ": the broker stored the batches with that codec", List.of(codec),
                            kafka.codecs("codec-" + codec));
                    figures.append(String.format(" %s: %d records read back, batches %s;", codec, count.records(),
                            kafka.codecs("codec-" + codec)));
                }
                String line = "KAFKA CODECS " + ExamBundles.framework(context()) + ":" + figures;
                System.out.println(line);
                HotSwapUnderLoadIT.report(line);
            } finally {
                for (org.osgi.service.cm.Configuration c : configurations) {
                    c.delete();
                }
                registration.unregister();
            }
        }
    }

    private static SinkStatistics statistics(ProbeControl control, String codec) {
        return control.statistics().sinks().stream().filter(x -> x.name().equals("kafka-" + codec)).findFirst().orElseThrow();
    }

    private static Bundle bundle(String symbolicName) {
        for (Bundle b : context().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }
}
