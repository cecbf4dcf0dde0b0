package io.kindling.probe.converter.cpu.contributor;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.cpu.spi.CpuContributor;
import io.kindling.probe.converter.cpu.spi.CpuType;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** File I/O: for file off time the path, operation and bytes ({@code "file"} in on_info and off_info). */
@Component(service = CpuContributor.class, property = CpuContributor.NAME + "=file")
public final class FileContributor extends IoContributor {

    public FileContributor() {
        super("file", CpuType.FILE, 4096, 64);
    }

    @Override
    boolean mine(RawEvent raw) {
        FdType t = raw.fdType();
        return t.isFile() || t == FdType.DIRECTORY;
    }

    @Override
    void name(Map<String, Object> detail, String fdName) {
        detail.put("path", fdName);
    }
}
