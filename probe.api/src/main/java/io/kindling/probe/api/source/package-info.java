/** The service through which the core reads events: implemented by the native inspector. */
@Version("1.6.0")
@Export
package io.kindling.probe.api.source;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
