package io.kindling.probe.cli;

/** The exit statuses of the probe command. */
final class Exit {
    /** Done. */
    static final int OK = 0;
    /** The probe itself failed: a bundle is missing or did not start, or something unexpected. */
    static final int FAILURE = 1;
    /** Bad command line or bad input: unknown option or event, missing or corrupt capture, no driver. */
    static final int BAD_INPUT = 2;

    private Exit() {}
}
