package io.kindling.probe.converter.cpu;

import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The {@link CpuContributor} services the CPU converter uses, in the order they describe in: highest
 * service ranking first, then by name, then by service id, whatever order they come in. A contributor
 * that throws is logged and the others still run.
 */
final class Contributors {
    private static final System.Logger LOG = System.getLogger(Contributors.class.getName());

    /** One contributor with the service properties that order it. */
    private record Ranked(CpuContributor contributor, int ranking, String name, long serviceId) {
        static final Comparator<Ranked> ORDER = Comparator.comparingInt(Ranked::ranking).reversed()
                .thenComparing(Ranked::name).thenComparingLong(Ranked::serviceId);

        static Ranked of(CpuContributor contributor, Map<String, ?> properties) {
            Object ranking = properties.get("service.ranking");
            Object name = properties.get(CpuContributor.NAME);
            Object id = properties.get("service.id");
            return new Ranked(contributor, ranking instanceof Integer i ? i : 0,
                    name != null ? name.toString() : contributor.getClass().getName(), id instanceof Long l ? l : 0L);
        }
    }

    /** What is asked of each contributor, with its argument. */
    @FunctionalInterface
    interface Call<A> {
        void on(CpuContributor contributor, A argument);
    }

    private final List<Ranked> ranked = new ArrayList<>();
    /** The contributors in order, replaced as a whole: the event loop reads it without a lock. */
    private volatile CpuContributor[] ordered = new CpuContributor[0];

    synchronized void add(CpuContributor contributor, Map<String, ?> properties) {
        ranked.removeIf(r -> r.contributor() == contributor);
        ranked.add(Ranked.of(contributor, properties));
        reorder();
    }

    synchronized void remove(CpuContributor contributor) {
        ranked.removeIf(r -> r.contributor() == contributor);
        reorder();
    }

    private void reorder() {
        ranked.sort(Ranked.ORDER);
        ordered = ranked.stream().map(Ranked::contributor).toArray(CpuContributor[]::new);
    }

    int size() {
        return ordered.length;
    }

    void observe(RawEvent raw) {
        each(CpuContributor::observe, raw, "observe");
    }

    void describe(WindowDetails details) {
        each((c, d) -> c.describe(d.tid(), d.intervals(), d), details, "describe");
    }

    void threadEnded(long tid) {
        each(CpuContributor::threadEnded, tid, "free thread");
    }

    void clear() {
        each((c, none) -> c.clear(), null, "clear");
    }

    /** Asks every contributor in order; one that throws is logged with {@code what} it was asked, and the rest still run. */
    private <A> void each(Call<A> call, A argument, String what) {
        for (CpuContributor c : ordered) {
            try {
                call.on(c, argument);
            } catch (Throwable e) { // an Error too: the converter and the other contributors go on
                LOG.log(Level.WARNING, "cpu contributor " + c + " failed to " + what + " " + describe(argument) + ": " + e);
            }
        }
    }

    private static String describe(Object argument) {
        return argument instanceof RawEvent raw ? raw.name() : argument != null ? argument.toString() : "everything";
    }
}
