package io.kindling.probe.converter.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.ContainerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The container table: one lookup per container, answers joined by id, bounded, forgetting removed and idle containers. */
class ContainerTableTest {

    @Test
    void aNewContainerIsLookedUpOnceAndItsAnswerJoinsItsEvents() {
        ContainerTable t = new ContainerTable(16, 3);
        List<String> asked = new ArrayList<>();
        t.lookups(id -> asked.add(id));
        ContainerContext first = t.context("aaaaaaaaaaaa");
        assertEquals(ContainerContext.ofId("aaaaaaaaaaaa"), first);
        assertSame(first, t.context("aaaaaaaaaaaa"));
        assertEquals(List.of("aaaaaaaaaaaa"), asked);
        ContainerContext described = ContainerConverter.describe("aaaaaaaaaaaa", "/web", "nginx:1.25",
                Map.of("io.kubernetes.pod.name", "web-0", "io.kubernetes.pod.namespace", "shop",
                        "io.kubernetes.pod.uid", "u-1", "io.kubernetes.container.name", "nginx"));
        t.describe(described);
        ContainerContext c = t.context("aaaaaaaaaaaa");
        assertSame(described, c);
        assertEquals(new ContainerContext("aaaaaaaaaaaa", "web", "nginx:1.25", "web-0", "shop", "u-1", "nginx"), c);
        assertEquals(1, asked.size());
    }

    @Test
    void aRefusedLookupIsAskedAgainByALaterEvent() {
        ContainerTable t = new ContainerTable(16, 3);
        List<String> asked = new ArrayList<>();
        boolean[] room = {false};
        t.lookups(id -> {
            asked.add(id);
            return room[0];
        });
        t.context("bbbbbbbbbbbb");
        room[0] = true;
        t.context("bbbbbbbbbbbb");
        t.context("bbbbbbbbbbbb");
        assertEquals(2, asked.size());
    }

    @Test
    void removedAndIdleContainersAreForgottenAndTheTableIsBounded() {
        ContainerTable t = new ContainerTable(16, 2);
        t.lookups(id -> true);
        for (int i = 0; i < 40; i++) {
            t.context(String.format("%012x", i));
        }
        assertEquals(16, t.size());
        assertEquals(24, t.tableFull.get());
        t.forget(String.format("%012x", 0));
        assertEquals(15, t.size());
        // one container keeps making events; the others go idle
        for (int sweep = 0; sweep < 4; sweep++) {
            t.context(String.format("%012x", 1));
            t.sweep();
        }
        assertEquals(1, t.size());
        assertTrue(t.forgottenIdle.get() >= 14);
        assertEquals(16, t.peak.get());
    }
}
