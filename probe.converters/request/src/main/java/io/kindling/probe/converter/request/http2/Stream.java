package io.kindling.probe.converter.request.http2;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.converter.request.spi.Call;
import io.kindling.probe.converter.request.spi.Message;

/** One HTTP/2 stream: a request, its response, what their headers said, their times and bytes. */
final class Stream {
    final long id;
    final long requestStart;
    long requestEnd;
    long responseFirst;
    long responseEnd;
    long requestBytes;
    long responseBytes;
    boolean requestEnded;
    String method;
    String path;
    boolean grpc;
    /** The final response's headers came (a 1xx response is interim). */
    boolean responded;
    int status = -1;
    int grpcStatus = -1;
    /** The RST_STREAM error code, -1 when none (or not known). */
    long reset = -1;
    boolean resetSeen;
    boolean unknownHeaders;

    Stream(long id, long requestStart, long requestEnd) {
        this.id = id;
        this.requestStart = requestStart;
        this.requestEnd = requestEnd;
    }

    void bytes(boolean request, long n, long end) {
        if (request) {
            requestBytes += n;
            if (!requestEnded) {
                requestEnd = end;
            }
        } else {
            responseBytes += n;
            responseEnd = end;
            if (responseFirst == 0) {
                responseFirst = end;
            }
        }
    }

    void requestHeaders(HeaderFields h) {
        unknownHeaders |= h.unknown;
        if (h.method != null) {
            method = h.method;
        }
        if (h.path != null) {
            path = h.path;
        }
        grpc |= isGrpc(h.contentType);
    }

    void responseHeaders(HeaderFields h, long end) {
        unknownHeaders |= h.unknown;
        grpc |= isGrpc(h.contentType) || h.grpcStatus != null;
        int st = number(h.status);
        if (st >= 100 && st < 200) {
            return; // interim
        }
        if (!responded) {
            responded = true;
            status = st;
            responseFirst = end;
        }
        int g = number(h.grpcStatus);
        if (g >= 0) {
            grpcStatus = g;
        }
    }

    private static boolean isGrpc(String contentType) {
        return contentType != null && contentType.startsWith("application/grpc");
    }

    private static int number(String s) {
        if (s == null || s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + c - '0';
        }
        return v;
    }

    /** The stream as a call: answered when its final response's headers came, else without response at {@code at}. */
    Call call(Http2Parser parser, long at) {
        String url = path == null ? "" : path;
        int q = url.indexOf('?');
        String plain = q >= 0 ? url.substring(0, q) : url;
        Message request = new Message().protocol(grpc ? "grpc" : "http2").attribute("http_method", method == null ? "" : method)
                .attribute("http_url", parser.keepQuery() ? url : plain);
        if (grpc) {
            int slash = plain.lastIndexOf('/');
            request.attribute("grpc_service", slash > 0 ? plain.substring(1, slash) : "")
                    .attribute("grpc_method", slash >= 0 ? plain.substring(slash + 1) : "");
            request.contentKey(path == null ? "" : plain);
        } else {
            request.contentKey(path == null ? "" : parser.clustering().cluster(plain));
        }
        request.attributes().add(new Attribute("http2_headers_unknown", ValueType.BOOL, unknownHeaders));
        if (resetSeen || reset >= 0) {
            request.attribute("http2_reset_code", reset);
        }
        if (unknownHeaders) {
            parser.streamsWithUnknownHeaders.incrementAndGet();
        }
        if (!responded) {
            return new Call(request, null, requestStart, requestEnd, 0, at, requestBytes, responseBytes);
        }
        Message response = new Message().attribute("http_status_code", Math.max(0, status));
        boolean error = status >= 400 || reset > 0;
        if (grpc) {
            response.attribute("grpc_status", grpcStatus);
            error |= grpcStatus > 0; // -1: no status seen (no trailers yet, or an unknown header)
        }
        response.error(error);
        return new Call(request, response, requestStart, requestEnd, responseFirst, responseEnd, requestBytes, responseBytes);
    }
}
