/**
 * The plug-in interface of request analysis: a {@link io.kindling.probe.converter.request.spi.ProtocolParser}
 * registered as a service teaches the request converter a protocol; the converter does the rest (connections,
 * framing across reads and writes, pairing, timings, outcomes, the {@code net_request} event).
 */
@Version("1.4.0")
@Export
package io.kindling.probe.converter.request.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
