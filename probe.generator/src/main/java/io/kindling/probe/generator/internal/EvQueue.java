package io.kindling.probe.generator.internal;

/** Fixed ring of pooled {@link Ev} objects, filled by an activity and drained by the engine. */
public final class EvQueue {

    private final Ev[] ring;
    private int head;
    private int size;

    public EvQueue(int capacity) {
        ring = new Ev[capacity];
        for (int i = 0; i < capacity; i++) {
            ring[i] = new Ev();
        }
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Appends a reset event and returns it for filling. */
    public Ev add(SimThread th, int type) {
        if (size == ring.length) {
            throw new IllegalStateException("event plan too long");
        }
        Ev e = ring[(head + size) % ring.length];
        size++;
        return e.reset(th, type);
    }

    public Ev peek() {
        return ring[head];
    }

    public void pop() {
        head = (head + 1) % ring.length;
        size--;
    }
}
