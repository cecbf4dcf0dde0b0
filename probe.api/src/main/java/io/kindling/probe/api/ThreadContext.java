package io.kindling.probe.api;

/** The thread an event happened on, as libsinsp's thread table knows it. */
public record ThreadContext(long pid, long tid, long uid, long gid, String comm, String containerId) {}
