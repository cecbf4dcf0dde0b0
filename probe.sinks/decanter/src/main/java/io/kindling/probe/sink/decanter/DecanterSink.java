package io.kindling.probe.sink.decanter;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A sink that hands every event it receives to Apache Karaf Decanter, as Decanter's collectors do: an
 * OSGi Event Admin event (posted, asynchronous) on the topic {@code decanter/collect/TYPE/NAME}
 * ({@code TYPE} is {@code kindling} by default, {@code NAME} the event's name), whose properties carry
 * Decanter's common ones ({@code type}, {@code karafName}, {@code hostAddress}, {@code hostName},
 * {@code timestamp} in milliseconds) and the event's fields, flat (see {@link DecanterEventProperties}).
 * Every Decanter appender (Elasticsearch, JDBC, Kafka, log, file, ...) subscribed to
 * {@code decanter/collect/*} then ships them. Off until configured.
 */
@Component(name = DecanterSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = DecanterSink.Config.class)
@SinkService(sink_name = "decanter")
public final class DecanterSink implements Sink {

    /** Component name and configuration PID (factory PID for more than one Decanter sink). */
    public static final String PID = "io.kindling.probe.sink.decanter";

    /** Decanter's collector topics begin with this. */
    public static final String TOPIC_PREFIX = "decanter/collect/";

    @ObjectClassDefinition(name = "Kindling Probe Decanter sink",
            description = "Hands the subscribed events to Karaf Decanter's appenders through Event Admin")
    public @interface Config {
        @AttributeDefinition(name = "Subscriptions", description = "NAME or NAME:CATEGORY, or all")
        String[] kindling_subscriptions() default {};

        @AttributeDefinition(name = "Sink name")
        String kindling_sink_name() default "decanter";

        @AttributeDefinition(name = "Decanter type",
                description = "the events' type property and the topic's third level (letters, digits, _ and -)")
        String type() default "kindling";
    }

    private final EventAdmin eventAdmin;
    private volatile DecanterEventProperties properties;

    @Activate
    public DecanterSink(@Reference EventAdmin eventAdmin, Config config) {
        this.eventAdmin = eventAdmin;
        modified(config);
    }

    /** A new type takes effect at the next event; subscriptions and name are read by the core. */
    @Modified
    void modified(Config config) {
        properties = new DecanterEventProperties(config.type(), System.getProperty("karaf.name", ""), localHost());
    }

    @Override
    public void deliver(KindlingEvent event) {
        DecanterEventProperties p = properties;
        eventAdmin.postEvent(new Event(p.topic(event.name()), p.of(event)));
    }

    private static InetAddress localHost() {
        try {
            return InetAddress.getLocalHost();
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress();
        }
    }

    /** The topic and the properties of the Event Admin event for one {@link KindlingEvent}. */
    static final class DecanterEventProperties {

        private final String type;
        private final String topicPrefix;
        private final String karafName;
        private final String hostAddress;
        private final String hostName;

        DecanterEventProperties(String type, String karafName, InetAddress host) {
            String t = token(type == null || type.isBlank() ? "kindling" : type.trim());
            this.type = t;
            this.topicPrefix = TOPIC_PREFIX + t + "/";
            this.karafName = karafName;
            this.hostAddress = host.getHostAddress();
            this.hostName = host.getHostName();
        }

        /** {@code decanter/collect/TYPE/NAME}, with any character a topic token does not allow as {@code _}. */
        String topic(String eventName) {
            return topicPrefix + token(eventName);
        }

        Map<String, Object> of(KindlingEvent event) {
            Map<String, Object> m = new HashMap<>(48);
            m.put("type", type);
            m.put("karafName", karafName);
            m.put("hostAddress", hostAddress);
            m.put("hostName", hostName);
            m.put("timestamp", event.timestamp() / 1_000_000L);
            m.put("name", event.name());
            m.put("category", event.category().label());
            m.put("source", event.source().label());
            m.put("event.timestamp", event.timestamp());
            m.put("latency", event.latency());
            ThreadContext thread = event.thread();
            if (thread != null) {
                m.put("pid", thread.pid());
                m.put("tid", thread.tid());
                m.put("uid", thread.uid());
                m.put("gid", thread.gid());
                putIfSet(m, "comm", thread.comm());
                putIfSet(m, "containerId", thread.containerId());
            }
            FdContext fd = event.fd();
            if (fd != null) {
                m.put("fd.num", fd.num());
                m.put("fd.type", fd.type().label());
                putIfSet(m, "fd.filename", fd.filename());
                putIfSet(m, "fd.directory", fd.directory());
                if (fd.protocol() != null) {
                    m.put("fd.protocol", fd.protocol().label());
                }
                if (fd.serverRole() != null) {
                    m.put("fd.role", fd.serverRole() ? "server" : "client");
                }
                putIfSet(m, "fd.sip", fd.sip());
                putIfSet(m, "fd.sport", fd.sport());
                putIfSet(m, "fd.dip", fd.dip());
                putIfSet(m, "fd.dport", fd.dport());
            }
            for (Attribute a : event.attributes()) {
                Object v = a.value();
                m.put("attributes." + a.key(), v instanceof byte[] b ? Base64.getEncoder().encodeToString(b) : v);
            }
            return m;
        }

        private static void putIfSet(Map<String, Object> m, String key, Object value) {
            if (value != null && !"".equals(value)) {
                m.put(key, value);
            }
        }

        /** A topic token: letters, digits, {@code _} and {@code -} (Event Admin refuses others). */
        static String token(String s) {
            StringBuilder b = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ? c : '_');
            }
            return b.length() == 0 ? "_" : b.toString();
        }
    }
}
