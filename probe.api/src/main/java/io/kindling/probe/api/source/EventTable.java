package io.kindling.probe.api.source;

/** libsinsp's event table: every event type with its name, flags and parameters, and the syscall names. */
public interface EventTable {

    int typeCount();

    /** libsinsp's name, for example {@code read}, {@code switch}, {@code syscall} (generic). */
    String typeName(int type);

    /** Enter events have even numbers, exit events odd ones. */
    default boolean isEnter(int type) {
        return (type & 1) == 0;
    }

    /** libsinsp's {@code ppm_event_category} flags. */
    int categoryFlags(int type);

    /** libsinsp's {@code ppm_event_flags}. */
    int eventFlags(int type);

    int paramCount(int type);

    String paramName(int type, int index);

    int paramType(int type, int index);

    int syscallCount();

    /** Name of a syscall code, as found in the ID parameter of generic events. */
    String syscallName(int code);

    /** The type of generic syscall enter events ({@code PPME_GENERIC_E}). */
    int genericEnterType();

    default int genericExitType() {
        return genericEnterType() + 1;
    }
}
