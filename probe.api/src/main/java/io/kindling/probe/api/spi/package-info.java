/** The converter and sink service interfaces, and the raw event that converters read. */
@Version("1.6.0")
@Export
package io.kindling.probe.api.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
