package io.kindling.probe.api.control;

/**
 * One sink's figures: events handed to it, events it could not take because its queue was full,
 * events whose delivery threw, and events still queued.
 */
public record SinkStatistics(String name, long delivered, long dropped, long failed, long queued) {}
