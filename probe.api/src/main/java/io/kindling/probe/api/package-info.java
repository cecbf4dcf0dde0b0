/** The event model that converters fill and sinks receive. */
@Version("1.3.0")
@Export
package io.kindling.probe.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
