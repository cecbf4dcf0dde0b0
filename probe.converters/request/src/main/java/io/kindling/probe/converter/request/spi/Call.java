package io.kindling.probe.converter.request.spi;

/**
 * One request and its response on a multiplexed connection, as its session reports it: the heads the parser read
 * ({@code response} null when none came), the times of the calls that carried them and the bytes of each side.
 *
 * @param request the request's head
 * @param response the response's head, or null when the request got none (then {@code responseEnd} is when that was known)
 * @param requestStart the start of the request's first call (a client's write) or the end of it (a server's read)
 * @param requestEnd the end of the request's last call
 * @param responseFirst the end of the response's first call
 * @param responseEnd the end of the response's last call
 * @param requestBytes the request's bytes on the wire
 * @param responseBytes the response's bytes on the wire
 */
public record Call(Message request, Message response, long requestStart, long requestEnd, long responseFirst, long responseEnd,
        long requestBytes, long responseBytes) {
}
