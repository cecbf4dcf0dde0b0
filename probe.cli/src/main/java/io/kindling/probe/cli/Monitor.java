package io.kindling.probe.cli;

import java.util.function.BooleanSupplier;

/**
 * The one way the command line waits for the framework: for a service, a sink, the engine's routing.
 * Whatever changes what a wait looks at calls {@link #changed()}; waiting ends when the condition
 * holds, when the time is up, or when the framework stops ({@link #close()}).
 */
final class Monitor {
    private boolean open = true;

    /** Something a waiter may be looking at changed: it checks again. */
    synchronized void changed() {
        notifyAll();
    }

    /** The framework is stopping: every wait ends. */
    synchronized void close() {
        open = false;
        notifyAll();
    }

    /**
     * Waits until {@code condition} holds, at most {@code timeoutMillis}; the condition is checked with
     * this monitor held. Returns whether it holds.
     *
     * @throws CommandException when the framework stops or the thread is interrupted while waiting for {@code what}
     */
    synchronized boolean await(BooleanSupplier condition, long timeoutMillis, String what) throws CommandException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            while (open && !condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
                wait(Math.max(1, deadline - System.currentTimeMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(Exit.FAILURE, "interrupted while waiting for " + what);
        }
        if (!open) {
            throw new CommandException(Exit.FAILURE, "the framework is stopping");
        }
        return condition.getAsBoolean();
    }

    /** Like {@link #await}, and fails when the condition does not hold in time: {@code what} did not start. */
    void require(BooleanSupplier condition, long timeoutMillis, String what) throws CommandException {
        if (!await(condition, timeoutMillis, what)) {
            throw new CommandException(Exit.FAILURE, what + " did not start within " + timeoutMillis / 1000 + " s");
        }
    }
}
