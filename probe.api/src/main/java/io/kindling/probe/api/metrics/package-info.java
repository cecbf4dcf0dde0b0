/**
 * What the sinks that aggregate events into metrics share: label sets bounded per metric, with what
 * does not fit folded into one {@link io.kindling.probe.api.metrics.SeriesTable#OTHER} set and counted.
 */
@Version("1.0.0")
@Export
package io.kindling.probe.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
