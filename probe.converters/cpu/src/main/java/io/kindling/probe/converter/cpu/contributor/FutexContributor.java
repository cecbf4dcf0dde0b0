package io.kindling.probe.converter.cpu.contributor;

import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuDetails;
import io.kindling.probe.converter.cpu.spi.CpuInterval;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** Futex waits: for futex off time the address waited on and the operation ({@code "futex"} in off_info). */
@Component(service = CpuContributor.class, property = CpuContributor.NAME + "=futex")
public final class FutexContributor implements CpuContributor {

    private record Wait(long enter, long addr, long op) {}

    private final PerThread<Wait> waits = new PerThread<>(4096, 16);

    @Override
    public void observe(RawEvent raw) {
        if (raw.hasThread() && raw.name().equals("syscall_enter-futex")) {
            int a = raw.paramIndex("addr");
            int o = raw.paramIndex("op");
            waits.add(raw.tid(), new Wait(raw.timestamp(), a >= 0 ? raw.paramAsLong(a) : 0, o >= 0 ? raw.paramAsLong(o) & 0xffff : 0));
        }
    }

    @Override
    public void describe(long tid, List<CpuInterval> intervals, CpuDetails details) {
        var list = waits.of(tid);
        for (int k = 0; k < intervals.size(); k++) {
            CpuInterval in = intervals.get(k);
            if (in.onCpu() || in.type() != CpuType.FUTEX) {
                continue;
            }
            Wait w = null;
            for (Wait x : list) {
                if (x.enter() <= in.start()) {
                    w = x;
                }
            }
            if (w != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("addr", "0x" + Long.toHexString(w.addr()));
                m.put("op", w.op());
                details.add(k, "futex", m);
            }
        }
    }

    @Override
    public void threadEnded(long tid) {
        waits.remove(tid);
    }

    @Override
    public void clear() {
        waits.clear();
    }
}
