/** Subscriptions, runs and statistics: how a program or a shell drives the probe. */
@Version("1.5.0")
@Export
package io.kindling.probe.api.control;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
