package io.kindling.probe.api.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties every sink shares, as a Declarative Services component property type: put
 * it on a sink's component class to give the sink its name (and, where it differs, its queue size
 * or fixed subscriptions) as component properties, which a configuration of the component then
 * overrides. Each element is the property of the same name under the prefix {@code kindling.}:
 * {@link Sink#SUBSCRIPTIONS}, {@link Sink#NAME} and {@link Sink#QUEUE_SIZE}.
 *
 * <pre>
 * &#64;Component(service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
 * &#64;SinkService(sink_name = "mine")
 * public class MySink implements Sink { ... }
 * </pre>
 *
 * @since 1.3
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface SinkService {

    /** Property names are {@code kindling.} followed by the element's name, underscores as dots. */
    String PREFIX_ = "kindling.";

    /**
     * {@code kindling.subscriptions}: the events the sink receives, each {@code NAME} or
     * {@code NAME:CATEGORY} (for example {@code syscall_exit-read:net}), or {@code all}. None by default:
     * the sink's configuration (or the shell's {@code subscribe}) gives them.
     */
    String[] subscriptions() default {};

    /** {@code kindling.sink.name}: the sink's name in statistics, in the shell and on the command line. */
    String sink_name();

    /**
     * {@code kindling.sink.queue.size}: how many events the sink's queue holds, exactly; when it is
     * full, further events for this sink wait (during a replay) or are dropped and counted. 0 takes the
     * engine's {@code sink.queue.size}.
     */
    int sink_queue_size() default 0;
}
