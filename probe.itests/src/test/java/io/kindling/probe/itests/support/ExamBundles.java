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
 * jar comes from a system property that failsafe sets ({@code bundle.<artifactId>}); a project
 * bundle whose property is absent is taken from the local Maven repository, beside probe.core.
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

    /** The jar the property names (see the class comment). */
    public static Path path(String property) {
        String value = System.getProperty(property);
        if ((value == null || value.isBlank()) && property.startsWith("bundle.probe.")) {
            String core = System.getProperty("bundle.probe.core");
            if (core != null) {
                String artifact = property.substring("bundle.".length());
                Path p = Path.of(core.replace("probe.core", artifact));
                if (Files.isRegularFile(p)) {
                    value = p.toString();
                } else {
                    String file = Path.of(core).getFileName().toString(); // probe.core-VERSION.jar
                    String version = file.substring("probe.core-".length(), file.length() - ".jar".length());
                    Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "io", "kindling", "probe", artifact,
                            version, artifact + "-" + version + ".jar");
                    value = Files.isRegularFile(jar) ? jar.toString() : null;
                }
            }
        }
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set: run the tests through Maven (failsafe)");
        }
        return Path.of(value);
    }
}
