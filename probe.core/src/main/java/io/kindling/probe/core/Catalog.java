package io.kindling.probe.core;

import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.EventNames;
import io.kindling.probe.api.source.EventTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every subscribable name and what it selects: event types, generic syscalls, or nothing this
 * inspector produces (Kindling's kernel events, and names that converters emit).
 */
final class Catalog implements EventCatalog {

    /** What one name selects. */
    record Target(int[] types, int[] genericSyscalls, boolean exit, boolean producible, String origin) {}

    /** Kindling's names whose syscall libsinsp records under another event's name. */
    private static final Map<String, String> KINDLING_ALIASES = Map.of(
            "pipe2", "pipe", "eventfd2", "eventfd", "dup2", "dup", "dup3", "dup", "signalfd4", "signalfd",
            "inotify_init1", "inotify_init");

    /** Names of Kindling's table that need Kindling's own kernel driver. */
    static final List<String> KINDLING_KERNEL_EVENTS = List.of(
            "kprobe-tcp_close", "kprobe-tcp_rcv_established", "kprobe-tcp_drop", "kprobe-tcp_retransmit_skb",
            "kretprobe-tcp_connect", "kprobe-tcp_set_state", "tracepoint-inet_sock_set_state", "tracepoint-tcp_send_reset",
            "tracepoint-tcp_receive_reset", "tracepoint-cpu_analysis", "tracepoint-ingress", "tracepoint-egress");

    /** Where the kernel TCP events come from, when the inspector's table has them. */
    static final String KERNEL_ORIGIN = "the probe's eBPF programs, live";
    private static final String KERNEL_SET_STATE = "tracepoint-inet_sock_set_state";
    private static final String KINDLING_SET_STATE = "kprobe-tcp_set_state";

    private static final int EC_INTERNAL = 256;
    private static final int EF_UNUSED = 1 << 6;

    private final Map<String, Target> targets;
    private final EventTable table;
    private final Map<String, String> emittedByConverters;

    /** {@code emittedByConverters}: each name that converters emit, with the converters' names. */
    Catalog(EventTable table, Map<String, String> emittedByConverters) {
        this.table = table;
        this.emittedByConverters = Map.copyOf(emittedByConverters);
        Map<String, List<Integer>> byName = new LinkedHashMap<>();
        int genericEnter = table.genericEnterType();
        for (int t = 0; t < table.typeCount(); t++) {
            if (t == genericEnter || t == genericEnter + 1) {
                continue;
            }
            if ((table.categoryFlags(t) & EC_INTERNAL) != 0 || (table.eventFlags(t) & EF_UNUSED) != 0) {
                continue; // never reaches a subscriber: the Kindling probe drops internal events
            }
            String name = EventNames.of(table, t);
            if (name != null) {
                byName.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
            }
        }
        Map<String, Target> map = new TreeMap<>();
        byName.forEach((name, types) -> map.put(name, new Target(types.stream().mapToInt(Integer::intValue).toArray(),
                new int[0], false, true, isKernelEvent(table, types.get(0)) ? KERNEL_ORIGIN : "libsinsp")));
        // Kindling's name of the socket state change, where the inspector produces it
        Target setState = map.get(KERNEL_SET_STATE);
        if (setState != null) {
            map.put(KINDLING_SET_STATE, new Target(setState.types(), new int[0], false, true, "alias of " + KERNEL_SET_STATE));
        }
        KINDLING_ALIASES.forEach((alias, base) -> {
            for (String prefix : List.of(EventNames.ENTER_PREFIX, EventNames.EXIT_PREFIX)) {
                Target target = map.get(prefix + base);
                if (target != null && !map.containsKey(prefix + alias)) {
                    map.put(prefix + alias, new Target(target.types(), new int[0], false, true, "alias of " + prefix + base));
                }
            }
        });
        addGenericSyscalls(table, map);
        for (String name : KINDLING_KERNEL_EVENTS) {
            map.putIfAbsent(name, new Target(new int[0], new int[0], false, false, "Kindling kernel driver"));
        }
        emittedByConverters.forEach((name, converter) ->
                map.put(name, new Target(new int[0], new int[0], false, true, "converter " + converter)));
        this.targets = Collections.unmodifiableMap(map);
    }

    /** A type the inspector added after libsinsp's own, under a Kindling name (its kernel TCP events). */
    private static boolean isKernelEvent(EventTable table, int type) {
        String base = table.typeName(type);
        return base != null && base.indexOf('-') > 0;
    }

    /**
     * The generic events of each system call: a target of their own, or added to the event type of
     * that name (older captures may record as generic a syscall that has its own event type now).
     */
    private static void addGenericSyscalls(EventTable table, Map<String, Target> map) {
        for (int sc = 0; sc < table.syscallCount(); sc++) {
            String syscall = table.syscallName(sc);
            if (syscall == null || syscall.isEmpty() || syscall.startsWith("<")) {
                continue;
            }
            for (boolean exit : new boolean[] {false, true}) {
                String name = EventNames.ofGeneric(exit, syscall);
                Target existing = map.get(name);
                if (existing == null) {
                    map.put(name, new Target(new int[0], new int[] {sc}, exit, true, "generic syscall"));
                } else {
                    // older captures may record as generic a syscall that has its own event type now
                    int[] scs = java.util.Arrays.copyOf(existing.genericSyscalls(), existing.genericSyscalls().length + 1);
                    scs[scs.length - 1] = sc;
                    map.put(name, new Target(existing.types(), scs, exit, true, existing.origin()));
                }
            }
        }
    }

    Map<String, String> emittedByConverters() {
        return emittedByConverters;
    }

    Target target(String name) {
        return targets.get(name);
    }

    EventTable table() {
        return table;
    }

    @Override
    public List<Entry> entries() {
        List<Entry> list = new ArrayList<>();
        targets.forEach((name, t) -> list.add(new Entry(name, t.producible(), t.origin())));
        list.sort(Comparator.comparing(Entry::name));
        return list;
    }

    @Override
    public String check(Subscription subscription) {
        if (subscription.isAll()) {
            return null;
        }
        Target t = targets.get(subscription.name());
        if (t == null) {
            throw new IllegalArgumentException("unknown event '" + subscription.name() + "'"
                    + Nearest.suggestion(subscription.name(), targets.keySet()));
        }
        if (!t.producible()) {
            return subscription.name() + " is accepted, but the current inspector does not produce it ("
                    + t.origin() + " only)";
        }
        return null;
    }
}
