package io.kindling.probe.api.source;

import io.kindling.probe.api.ValueType;

/** Maps libsinsp's parameter types ({@code ppm_param_type}) to Kindling value types, as the Kindling probe's {@code get_type}. */
public final class ParamTypes {
    private static final ValueType[] MAP = new ValueType[64];

    static {
        java.util.Arrays.fill(MAP, ValueType.BYTEBUF);
        MAP[1] = ValueType.INT8;
        MAP[2] = ValueType.INT16;
        MAP[3] = ValueType.INT32;
        MAP[4] = ValueType.INT64;
        MAP[11] = ValueType.INT64; // errno
        MAP[14] = ValueType.INT64; // fd
        MAP[15] = ValueType.INT64; // pid
        MAP[5] = ValueType.UINT8;
        MAP[28] = ValueType.UINT8; // flags8
        MAP[19] = ValueType.UINT8; // sigtype
        MAP[6] = ValueType.UINT16;
        MAP[29] = ValueType.UINT16; // flags16
        MAP[18] = ValueType.UINT16; // syscall id
        MAP[7] = ValueType.UINT32;
        MAP[30] = ValueType.UINT32; // flags32
        MAP[42] = ValueType.UINT32; // mode
        MAP[31] = ValueType.UINT32; // uid
        MAP[32] = ValueType.UINT32; // gid
        MAP[25] = ValueType.UINT32; // bool, 4 bytes, as the Kindling probe
        MAP[34] = ValueType.UINT32; // sigset
        MAP[8] = ValueType.UINT64;
        MAP[20] = ValueType.UINT64; // reltime
        MAP[21] = ValueType.UINT64; // abstime
        MAP[9] = ValueType.CHARBUF;
        MAP[17] = ValueType.CHARBUF; // fs path
        MAP[43] = ValueType.CHARBUF; // fs path relative to a dirfd (newer than the Kindling probe's table)
        MAP[33] = ValueType.DOUBLE;
    }

    private ParamTypes() {}

    public static ValueType valueType(int ppmParamType) {
        return ppmParamType >= 0 && ppmParamType < MAP.length ? MAP[ppmParamType] : ValueType.BYTEBUF;
    }
}
