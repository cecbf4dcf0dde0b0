package io.kindling.probe.itests.support;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ops4j.pax.exam.Option;

/**
 * The bundles of the hot-deployment and restart tests, for Felix and Equinox alike (Pax Exam takes
 * the framework that is on the class path; the module's pom runs these tests once with each). Each
 * jar comes from a system property that failsafe sets ({@code bundle.<artifactId>}): the reactor's own
 * jars and the dependencies Maven resolved for this module, never a jar found elsewhere.
 */
public final class ExamBundles {

    private ExamBundles() {}

    /** The framework the tests run in, from the system bundle's vendor. */
    public static String framework(org.osgi.framework.BundleContext context) {
        org.osgi.framework.Bundle system = context.getBundle(0);
        return system.getSymbolicName() + " " + system.getVersion();
    }

    /** The platform (DS, Configuration Admin, Metatype, Gogo runtime, JNA) and the probe's own bundles, started. */
    public static Option[] options(String... moreProperties) {
        List<String> afterCore = new ArrayList<>();
        afterCore.add("bundle.probe.converter.socket");
        afterCore.addAll(List.of(moreProperties));
        return options(List.of(), afterCore);
    }

    /**
     * The platform (slf4j for Pax Exam's own bundles, DS, Configuration Admin, Metatype, Gogo runtime,
     * JNA), then {@code libraries} (such as {@code bundle.jackson-core}), the probe's API, inspector
     * (with its platform fragment, not started) and core, then {@code afterCore}, in this order: every
     * bundle but the fragment started, and the JUnit bundles.
     */
    public static Option[] options(List<String> libraries, List<String> afterCore) {
        List<Option> list = new ArrayList<>();
        List<String> started = new ArrayList<>(List.of("bundle.slf4j-api", "bundle.slf4j-simple", "bundle.org.osgi.service.log",
                "bundle.org.osgi.util.function", "bundle.org.osgi.util.promise", "bundle.org.osgi.service.component",
                "bundle.org.apache.felix.scr", "bundle.org.apache.felix.configadmin", "bundle.org.apache.felix.metatype",
                "bundle.org.apache.felix.gogo.runtime", "bundle.jna"));
        started.addAll(libraries);
        started.addAll(List.of("bundle.probe.api", "bundle.probe.inspector"));
        for (String p : started) {
            list.add(bundle(url(p)).start());
        }
        list.add(bundle(url("bundle.probe.inspector.linux.x86_64")).noStart()); // a fragment
        list.add(bundle(url("bundle.probe.core")).start());
        for (String p : afterCore) {
            list.add(bundle(url(p)).start());
        }
        list.add(junitBundles());
        return org.ops4j.pax.exam.CoreOptions.options(list.toArray(new Option[0]));
    }

    public static String url(String property) {
        return "file:" + path(property);
    }

    /** The jar the property names: always one the build made or resolved, never a guess. */
    public static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property
                    + " is not set: run the tests through Maven (failsafe), whose configuration names every bundle");
        }
        Path jar = Path.of(value);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(property + " names " + jar + ", which is not a file");
        }
        return jar;
    }
}
