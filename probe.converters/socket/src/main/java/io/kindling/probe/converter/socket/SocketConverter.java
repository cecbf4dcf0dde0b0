package io.kindling.probe.converter.socket;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import org.osgi.service.component.annotations.Component;

/**
 * Fills the socket part of events on sockets, with what libsinsp knows of the fd, as the Kindling
 * probe does: for inet sockets the L4 protocol, the role, and source and destination address and
 * port, addresses as text (see {@link AddressText}); for unix sockets the kernel's source and
 * destination endpoints.
 * <p>
 * For server (listening) sockets libsinsp knows only the local address and port, which the raw
 * event carries as the destination; the source is what the raw event says (zeroes), as in the Kindling probe.
 */
@Component(service = Converter.class)
@ConverterService(name = "socket", fdtypes = {"ipv4", "ipv6", "ipv4_server", "ipv6_server", "unix"})
public final class SocketConverter implements Converter {

    /** Address texts formatted lately; the converter runs on the event loop thread only. */
    private final AddressCache addresses = new AddressCache();

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        FdContext fd = event.fd();
        if (fd == null) {
            return;
        }
        switch (fd.type()) {
            case IPV4_SOCK, IPV6_SOCK, IPV4_SERVSOCK, IPV6_SERVSOCK -> {
                L4Protocol protocol = raw.l4Protocol();
                fd.socket(protocol == null ? L4Protocol.UNKNOWN : protocol, raw.serverRole(),
                        addresses.text(raw, true), raw.sourcePort() & 0xffff,
                        addresses.text(raw, false), raw.destinationPort() & 0xffff);
            }
            case UNIX_SOCK -> fd.unix(raw.unixSource(), raw.unixDestination());
            default -> {
                // not a socket: nothing to fill
            }
        }
    }
}
