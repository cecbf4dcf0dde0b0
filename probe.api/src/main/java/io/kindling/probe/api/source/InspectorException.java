package io.kindling.probe.api.source;

/** A capture could not be opened or read; the message says why, in the inspector's own words. */
public class InspectorException extends Exception {
    private static final long serialVersionUID = 1L;

    public InspectorException(String message) {
        super(message);
    }

    public InspectorException(String message, Throwable cause) {
        super(message, cause);
    }
}
