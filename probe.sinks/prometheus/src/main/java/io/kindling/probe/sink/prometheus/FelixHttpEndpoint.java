package io.kindling.probe.sink.prometheus;

import jakarta.servlet.Servlet;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * One HTTP endpoint of the sink: a Felix HTTP Jetty instance of its own, listening on the configured
 * host and port, and the servlet registered on it through the Servlet Whiteboard.
 * <p>
 * Felix HTTP starts an extra Jetty instance for each factory configuration of
 * {@value #FELIX_HTTP_FACTORY_PID}; the sink creates one, named after itself, and targets its servlet at
 * that instance only ({@code osgi.http.whiteboard.target}), so that the metrics never appear on another
 * HTTP server of the framework. Closing deletes the configuration, which stops that Jetty instance.
 */
final class FelixHttpEndpoint implements AutoCloseable {

    /** Factory PID of Felix HTTP Jetty's extra instances. */
    static final String FELIX_HTTP_FACTORY_PID = "org.apache.felix.http";
    /** Service property of a Felix HTTP runtime: the instance's name. */
    static final String FELIX_HTTP_NAME = "org.apache.felix.http.name";

    private final String instance;
    private final Configuration configuration;
    private final ServiceRegistration<Servlet> registration;

    private FelixHttpEndpoint(String instance, Configuration configuration, ServiceRegistration<Servlet> registration) {
        this.instance = instance;
        this.configuration = configuration;
        this.registration = registration;
    }

    /** Starts the Jetty instance {@code instance} on {@code host:port} and serves {@code servlet} at {@code path}. */
    static FelixHttpEndpoint open(BundleContext context, ConfigurationAdmin configurationAdmin, String instance,
            String host, int port, String path, Servlet servlet) throws IOException {
        // location "?": the configuration is for Felix HTTP's bundle, not for this one
        Configuration configuration = configurationAdmin.getFactoryConfiguration(FELIX_HTTP_FACTORY_PID, instance, "?");
        Dictionary<String, Object> jetty = new Hashtable<>();
        jetty.put(FELIX_HTTP_NAME, instance);
        jetty.put("org.apache.felix.http.host", host);
        jetty.put("org.osgi.service.http.port", port);
        jetty.put("org.apache.felix.http.enable", true);
        jetty.put("org.apache.felix.https.enable", false);
        jetty.put("org.apache.felix.http.jetty.sendServerHeader", false);
        configuration.updateIfDifferent(jetty);

        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, path);
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, instance);
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_TARGET, "(" + FELIX_HTTP_NAME + "=" + instance + ")");
        ServiceRegistration<Servlet> registration;
        try {
            registration = context.registerService(Servlet.class, servlet, props);
        } catch (RuntimeException e) {
            configuration.delete();
            throw e;
        }
        return new FelixHttpEndpoint(instance, configuration, registration);
    }

    String instance() {
        return instance;
    }

    @Override
    public void close() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregistered it when the bundle stopped
        }
        try {
            configuration.delete();
        } catch (IOException | IllegalStateException e) {
            System.getLogger(FelixHttpEndpoint.class.getName()).log(System.Logger.Level.WARNING,
                    "Prometheus sink: could not remove the HTTP instance " + instance + ": " + e);
        }
    }
}
