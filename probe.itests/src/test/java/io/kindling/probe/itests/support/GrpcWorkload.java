package io.kindling.probe.itests.support;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server and client (grpc-java over Netty, cleartext HTTP/2) for the live request tests, run in a JVM of
 * their own; each logs every call it finished, one line each: {@code method status} (the client adds the channel).
 * No generated code: the methods marshal bytes.
 * <ul>
 * <li>{@code server PORT LOG}: {@code demo.Echo/Say} echoes, answers NOT_FOUND to {@code fail}, and waits 1.5 s before
 * answering {@code slow}; {@code demo.Echo/Count} streams as many messages as the request's number.</li>
 * <li>{@code client PORT LOG}: opens channel {@code old}, makes 3 calls on it, prints {@code ready}, waits for a line on
 * standard input, then makes 5 calls on {@code old} and on a new channel {@code new}: unary calls, a server stream,
 * an error status, a deadline exceeded and {@value #CONCURRENT} concurrent calls; prints {@code done}.</li>
 * </ul>
 */
public final class GrpcWorkload {
    /** The calls the client makes at once on its new channel. */
    public static final int CONCURRENT = 100;
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> SAY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("demo.Echo/Say").setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES).build();
    static final MethodDescriptor<byte[], byte[]> COUNT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("demo.Echo/Count").setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES).build();

    private GrpcWorkload() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        Path log = Path.of(args[2]);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            if (args[0].equals("server")) {
                server(port, out);
            } else {
                client(port, out);
            }
        }
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static void server(int port, PrintWriter log) throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
                    String s = text(request);
                    if (s.equals("fail")) {
                        response.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException());
                        return;
                    }
                    if (s.equals("slow")) {
                        sleep(1500);
                        if (io.grpc.Context.current().isCancelled()) {
                            return; // the client gave up (its deadline): nothing is sent, the call is logged as cancelled
                        }
                    }
                    response.onNext(request);
                    response.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((request, response) -> {
                    int n = Integer.parseInt(text(request));
                    for (int i = 0; i < n; i++) {
                        response.onNext(("item " + i).getBytes(StandardCharsets.UTF_8));
                    }
                    response.onCompleted();
                })).build();
        ServerInterceptor logging = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String method = call.getMethodDescriptor().getBareMethodName();
                java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
                ServerCall<Q, R> logged = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        synchronized (log) {
                            if (!cancelled.get()) { // a handler that ends a cancelled call sends nothing
                                log.println(method + " " + status.getCode());
                            }
                        }
                        super.close(status, trailers);
                    }
                };
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(logged, headers)) {
                    @Override
                    public void onCancel() {
                        cancelled.set(true);
                        synchronized (log) {
                            log.println(method + " CANCELLED");
                        }
                        super.onCancel();
                    }
                };
            }
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(echo, logging)).build().start();
        System.out.println("listening");
        server.awaitTermination();
    }

    static void client(int port, PrintWriter log) throws Exception {
        ManagedChannel old = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Channel oldLogged = logged(old, "old", log, true);
        for (int i = 0; i < 3; i++) {
            ClientCalls.blockingUnaryCall(oldLogged, SAY, CallOptions.DEFAULT, ("warm " + i).getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("ready");
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        Channel oldAfter = logged(old, "old", log, false);
        for (int i = 0; i < 5; i++) {
            ClientCalls.blockingUnaryCall(oldAfter, SAY, CallOptions.DEFAULT, ("again " + i).getBytes(StandardCharsets.UTF_8));
        }
        ManagedChannel fresh = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Channel ch = logged(fresh, "new", log, false);
        for (int i = 0; i < 3; i++) {
            ClientCalls.blockingUnaryCall(ch, SAY, CallOptions.DEFAULT, ("hello " + i).getBytes(StandardCharsets.UTF_8));
        }
        int items = 0;
        for (Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, COUNT, CallOptions.DEFAULT, "25".getBytes(StandardCharsets.UTF_8));
                it.hasNext(); it.next()) {
            items++;
        }
        System.out.println("streamed " + items);
        try {
            ClientCalls.blockingUnaryCall(ch, SAY, CallOptions.DEFAULT, "fail".getBytes(StandardCharsets.UTF_8));
        } catch (StatusRuntimeException e) {
            System.out.println("fail: " + e.getStatus().getCode());
        }
        try {
            ClientCalls.blockingUnaryCall(ch, SAY, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                    "slow".getBytes(StandardCharsets.UTF_8));
        } catch (StatusRuntimeException e) {
            System.out.println("slow: " + e.getStatus().getCode());
        }
        List<Future<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < CONCURRENT; i++) {
            calls.add(ClientCalls.futureUnaryCall(ch.newCall(SAY, CallOptions.DEFAULT), ("many " + i).getBytes(StandardCharsets.UTF_8)));
        }
        for (Future<byte[]> f : calls) {
            f.get(30, TimeUnit.SECONDS);
        }
        sleep(2000); // the server's side of the slow call ends too
        fresh.shutdown().awaitTermination(10, TimeUnit.SECONDS);
        old.shutdown().awaitTermination(10, TimeUnit.SECONDS);
        System.out.println("done");
    }

    /** The channel, logging each call's outcome as {@code channel method status} (unless {@code quiet}). */
    static Channel logged(Channel channel, String name, PrintWriter log, boolean quiet) {
        return io.grpc.ClientInterceptors.intercept(channel, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                if (!quiet) {
                                    synchronized (log) {
                                        log.println(name + " " + method.getBareMethodName() + " " + status.getCode());
                                    }
                                }
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        });
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
