package io.kindling.probe.api.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of a {@link Converter}, as a Declarative Services component property type:
 * put it on the converter's component class instead of writing the properties by hand. Each element
 * is the property of the same name under the prefix {@code kindling.converter.}; an empty element is
 * the same as an absent property.
 *
 * <pre>
 * &#64;Component(service = Converter.class)
 * &#64;ConverterService(name = "file", fdtypes = "file")
 * public class FileConverter implements Converter { ... }
 * </pre>
 *
 * @since 1.3
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ConverterService {

    /** Property names are {@code kindling.converter.} followed by the element's name, underscores as dots. */
    String PREFIX_ = "kindling.converter.";

    /** {@link Converter#NAME}: the converter's name in statistics and in the shell. */
    String name();

    /** {@link Converter#EVENTS}: the event names it handles; none: every name. */
    String[] events() default {};

    /** {@link Converter#FD_TYPES}: the fd type labels it handles; none: every event, with or without an fd. */
    String[] fdtypes() default {};

    /** {@link Converter#PROVIDES_ATTRIBUTES}: it writes the attributes of the events it matches itself. */
    boolean attributes() default false;

    /** {@link Converter#EMITS}: the names of the events it emits. */
    String[] emits() default {};

    /** {@link Converter#NEEDS}: the raw events it needs while it is active, as subscriptions. */
    String[] needs() default {};

    /**
     * {@link Converter#SNAPLEN}: the bytes of I/O data it needs while active; 0: no need beyond the capture's own.
     * @since 1.4
     */
    int snaplen() default 0;

    /**
     * {@link Converter#SOCKET_SNAPLEN}: the bytes of socket I/O data it needs while active; 0: no need beyond the
     * capture's own.
     * @since 1.6
     */
    int snaplen_sockets() default 0;

    /** {@link Converter#NEEDS_THREADLESS}: the raw events it needs even without thread information. */
    String[] needs_threadless() default {};
}
