/**
 * The JSON Lines sink, and {@link io.kindling.probe.sink.jsonl.JsonEventWriter}: the probe's JSON
 * format of an event, which other sinks (Kafka) write too.
 */
@Version("1.1.0")
@Export
package io.kindling.probe.sink.jsonl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
