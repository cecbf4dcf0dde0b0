package io.kindling.probe.api.source;

import io.kindling.probe.api.Category;

/**
 * The Kindling probe's {@code event_filters[type][category]} table, plus one table per direction for generic
 * syscall events indexed by syscall code, so that one generic syscall can be selected alone.
 * A cell that is not zero lets the event through.
 */
public final class FilterTable {
    public static final int MAX_TYPES = 1024;
    private static final int W = Category.TABLE_WIDTH;

    private final byte[] types;
    private final byte[] generic;
    private final int syscalls;

    public FilterTable(int syscalls) {
        this.syscalls = syscalls;
        this.types = new byte[MAX_TYPES * W];
        this.generic = new byte[2 * syscalls * W];
    }

    /** A table that lets every event of {@code table} through, in every category, generic syscalls included. */
    public static FilterTable everything(EventTable table) {
        FilterTable filter = new FilterTable(table.syscallCount());
        for (int type = 0; type < Math.min(table.typeCount(), MAX_TYPES); type++) {
            filter.allowAllCategories(type);
        }
        for (int sc = 0; sc < table.syscallCount(); sc++) {
            filter.allowGenericAllCategories(false, sc);
            filter.allowGenericAllCategories(true, sc);
        }
        return filter;
    }

    public void allow(int type, Category category) {
        types[type * W + category.code()] = 1;
    }

    public void allowAllCategories(int type) {
        for (int c = 0; c < W; c++) {
            types[type * W + c] = 1;
        }
    }

    /** Lets one generic syscall through; {@code exit} selects the exit direction. */
    public void allowGeneric(boolean exit, int syscall, Category category) {
        generic[((exit ? 1 : 0) * syscalls + syscall) * W + category.code()] = 1;
    }

    public void allowGenericAllCategories(boolean exit, int syscall) {
        for (int c = 0; c < W; c++) {
            generic[((exit ? 1 : 0) * syscalls + syscall) * W + c] = 1;
        }
    }

    /** Whether the cell lets the event through; a type or category beyond the table's cells is not let through. */
    public boolean allows(int type, int category) {
        return type >= 0 && type < MAX_TYPES && category >= 0 && category < W && types[type * W + category] != 0;
    }

    public boolean allowsGeneric(boolean exit, int syscall, int category) {
        return syscall >= 0 && syscall < syscalls && category >= 0 && category < W
                && generic[((exit ? 1 : 0) * syscalls + syscall) * W + category] != 0;
    }

    public int syscalls() {
        return syscalls;
    }

    /** The table cells, {@link #MAX_TYPES} x 16 bytes. */
    public byte[] typeCells() {
        return types;
    }

    /** The generic cells, 2 x {@link #syscalls()} x 16 bytes, enter direction first. */
    public byte[] genericCells() {
        return generic;
    }

    public boolean isEmpty() {
        for (byte b : types) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
