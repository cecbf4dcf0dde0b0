package io.kindling.probe.converter.file;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import org.osgi.service.component.annotations.Component;

/**
 * Fills the file name and directory of events on file descriptors, split from libsinsp's fd name
 * the way the Kindling probe does: at the last {@code '/'}, and only when that slash is not the
 * last character. A slash at position 0 gives the directory {@code "/"}. Names without a slash,
 * and names ending in one, leave both fields empty.
 * <p>
 * The {@code file} fd type label covers both {@code SCAP_FD_FILE} and {@code SCAP_FD_FILE_V2}.
 */
@Component(service = Converter.class)
@ConverterService(name = "file", fdtypes = "file")
public final class FileConverter implements Converter {

    /**
     * The last split per slot: the inspector hands out the same String for the same fd name, so a
     * file's events share one split (compared by identity). Event loop thread only.
     */
    private static final int SLOTS = 256;
    private final String[] names = new String[SLOTS];
    private final String[] files = new String[SLOTS];
    private final String[] directories = new String[SLOTS];

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        FdContext fd = event.fd();
        if (fd == null || !fd.type().isFile()) {
            return;
        }
        String name = raw.fdName();
        if (name == null) {
            return;
        }
        int slot = name.hashCode() & (SLOTS - 1);
        if (names[slot] != name) {
            int slash = name.lastIndexOf('/');
            boolean split = slash >= 0 && slash != name.length() - 1;
            files[slot] = split ? name.substring(slash + 1) : null;
            directories[slot] = split ? (slash == 0 ? "/" : name.substring(0, slash)) : null;
            names[slot] = name;
        }
        if (files[slot] != null) {
            fd.file(files[slot], directories[slot]);
        }
    }
}
