/** The Karaf Decanter sink: the probe's events as Decanter collector events on Event Admin. */
package io.kindling.probe.sink.decanter;
