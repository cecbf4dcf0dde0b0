package io.kindling.probe.api;

/** Value types of user attributes, with the Kindling probe's codes. */
public enum ValueType {
    NONE,
    INT8,
    INT16,
    INT32,
    INT64,
    UINT8,
    UINT16,
    UINT32,
    UINT64,
    CHARBUF,
    BYTEBUF,
    FLOAT,
    DOUBLE,
    BOOL;

    public int code() {
        return ordinal();
    }

    public boolean isNumber() {
        return this != NONE && this != CHARBUF && this != BYTEBUF && this != BOOL;
    }
}
