package io.kindling.probe.generator.internal;

/**
 * Small deterministic pseudo random generator (SplitMix64 recurrence). Implemented here rather than
 * taken from the JDK so that a seed yields the same capture on every Java version.
 */
public final class Rng {

    private long state;

    public Rng(long seed) {
        this.state = seed ^ 0x6A09E667F3BCC909L;
        nextLong();
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        return (int) (((nextLong() >>> 33) * bound) >>> 31);
    }

    /** Uniform in [lo, hi]. */
    public int between(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** True with the given probability in percent. */
    public boolean percent(int p) {
        return nextInt(100) < p;
    }

    /** True with probability {@code perMille}/1000. */
    public boolean perMille(int perMille) {
        return nextInt(1000) < perMille;
    }
}
