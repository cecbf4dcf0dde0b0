package io.kindling.probe.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Keeps the information lines of the libraries in the probe's jar off the command's standard error, which
 * carries the command's own messages only: Aries SPI Fly says "Registered provider ..." for every
 * ServiceLoader provider it registers (the OTLP sink's HTTP sender among them). Its warnings and errors still
 * show. The launcher starts this bundle before SPI Fly, so the level is set before its first line; a level set
 * by the user (a logging configuration file) is left as it is.
 */
public final class QuietLibraries implements BundleActivator {

    /** Held here: java.util.logging keeps its loggers, and so their levels, only while someone refers to them. */
    private static final Logger SPI_FLY = Logger.getLogger("org.apache.aries.spifly");

    @Override
    public void start(BundleContext context) {
        if (SPI_FLY.getLevel() == null) {
            SPI_FLY.setLevel(Level.WARNING);
        }
    }

    @Override
    public void stop(BundleContext context) {
        // the level stays for the rest of the process
    }
}
