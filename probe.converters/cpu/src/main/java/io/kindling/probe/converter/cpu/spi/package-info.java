/**
 * How the CPU converter learns what a thread did in its on- and off-CPU intervals: contributors are
 * whiteboard services that cache what they need from the raw events, and describe each window's
 * intervals when its {@code cpu_event} is made. A new contributor is a bundle of its own.
 */
@Version("1.0.0")
@Export
package io.kindling.probe.converter.cpu.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
