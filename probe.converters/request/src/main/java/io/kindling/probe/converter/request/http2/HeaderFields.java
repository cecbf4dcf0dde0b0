package io.kindling.probe.converter.request.http2;

/** The headers of one block that a request's report uses; the others are passed over. */
final class HeaderFields implements HpackDecoder.Headers {
    String method;
    String path;
    String status;
    String contentType;
    String grpcStatus;
    /** Some header of the block could not be named (an unknown table entry, or a block not seen whole). */
    boolean unknown;

    @Override
    public void header(String name, String value) {
        if (name == null || value == null) {
            return;
        }
        switch (name) {
            case ":method" -> method = value;
            case ":path" -> path = value;
            case ":status" -> status = value;
            case "content-type" -> contentType = value;
            case "grpc-status" -> grpcStatus = value;
            default -> {
            }
        }
    }
}
