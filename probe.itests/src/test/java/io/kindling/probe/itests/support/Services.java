package io.kindling.probe.itests.support;

import static org.junit.Assert.assertTrue;

import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/** Waiting for the probe's services inside the framework of a Pax Exam test. */
public final class Services {
    private Services() {
    }

    /**
     * The service of that type, waited for up to 30 s and got for the rest of the test (never
     * ungot: Configuration Admin is a service factory, and ungetting it would end our instance).
     */
    public static <S> S await(BundleContext context, Class<S> type) throws InterruptedException {
        return awaitReplacing(context, type, -1);
    }

    /** The same, once a service other than the one of service id {@code replaced} is registered (-1: any). */
    public static <S> S awaitReplacing(BundleContext context, Class<S> type, long replaced) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            ServiceReference<S> reference = context.getServiceReference(type);
            S service = reference == null || id(reference) == replaced ? null : context.getService(reference);
            if (service != null) {
                return service;
            }
            assertTrue(type.getSimpleName() + " is registered" + (replaced < 0 ? "" : " in place of service " + replaced)
                    + " within 30 s", System.nanoTime() < deadline);
            Thread.sleep(10);
        }
    }

    /** The service id of the type's service, -1 when there is none. */
    public static long id(BundleContext context, Class<?> type) {
        ServiceReference<?> reference = context.getServiceReference(type);
        return reference == null ? -1 : id(reference);
    }

    private static long id(ServiceReference<?> reference) {
        return reference.getProperty(Constants.SERVICE_ID) instanceof Long id ? id : -1;
    }
}
