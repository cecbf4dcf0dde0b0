package io.kindling.probe.converter.cpu.contributor;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Socket I/O: for net off time the connection's tuple (as libsinsp names it, for example
 * {@code 127.0.0.1:36641->127.0.0.1:8080}), operation and bytes ({@code "net"} in on_info and off_info).
 */
@Component(service = CpuContributor.class, property = CpuContributor.NAME + "=net")
public final class NetContributor extends IoContributor {

    public NetContributor() {
        super("net", CpuType.NET, 4096, 64);
    }

    @Override
    boolean mine(RawEvent raw) {
        FdType t = raw.fdType();
        return t.isInetSocket() || t == FdType.UNIX_SOCK;
    }

    @Override
    void name(Map<String, Object> detail, String fdName) {
        detail.put("tuple", fdName);
    }
}
