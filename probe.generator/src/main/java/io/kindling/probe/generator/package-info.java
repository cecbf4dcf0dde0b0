/**
 * Generator of synthetic but realistic system call captures in the scap file format that sysdig and
 * libsinsp read ({@code sysdig -r FILE}): HTTP over loopback TCP (IPv4 and IPv6), a DNS lookup over UDP,
 * file work and context switches between threads on two CPUs, deterministic for a given seed.
 */
@Version("1.2.0")
@Export
package io.kindling.probe.generator;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
