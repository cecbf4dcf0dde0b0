package io.kindling.probe.generator.internal;

/** A thread of the simulated machine. */
public final class SimThread {

    final SimProcess proc;
    final int tid;
    final String comm;
    /** CPU the thread runs on. */
    int cpu;
    long pfMajor;
    long pfMinor;

    SimThread(SimProcess proc, int tid, String comm) {
        this.proc = proc;
        this.tid = tid;
        this.comm = comm;
    }

    @Override
    public String toString() {
        return comm + "(" + tid + ")";
    }
}
