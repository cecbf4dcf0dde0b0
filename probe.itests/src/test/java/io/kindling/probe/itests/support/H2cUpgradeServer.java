package io.kindling.probe.itests.support;

import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2CodecUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An HTTP/2 server over cleartext that takes HTTP/1.1's {@code Upgrade: h2c} (and prior knowledge), Netty's own
 * codecs (the copy grpc-netty-shaded carries), run in a JVM of its own: {@code PORT LOG}. It answers every request on
 * HTTP/2, 404 for a path under {@code /missing/}, else 200 with a short text, and logs {@code METHOD PATH STATUS}, one
 * line a request.
 */
public final class H2cUpgradeServer {
    private H2cUpgradeServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        PrintWriter log = new PrintWriter(Files.newBufferedWriter(Path.of(args[1]), StandardCharsets.UTF_8), true);
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                HttpServerCodec http1 = new HttpServerCodec();
                Http2FrameCodec frames = Http2FrameCodecBuilder.forServer().build();
                Answer answer = new Answer(log);
                HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, protocol ->
                        AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                ? new Http2ServerUpgradeCodec(frames, answer) : null);
                ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(frames, answer); // prior knowledge
                    }
                }));
            }
        }).bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        System.out.println("listening");
        server.closeFuture().sync();
    }

    /** Answers each stream's request headers. */
    static final class Answer extends SimpleChannelInboundHandler<Http2HeadersFrame> {
        private final PrintWriter log;

        Answer(PrintWriter log) {
            this.log = log;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2HeadersFrame request) {
            if (!request.isEndStream()) {
                return; // no request here has a body
            }
            String method = String.valueOf(request.headers().method());
            String path = String.valueOf(request.headers().path());
            int status = path.startsWith("/missing/") ? 404 : 200;
            byte[] body = ("hello " + path + "\n").getBytes(StandardCharsets.UTF_8);
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(Integer.toString(status))
                    .add("content-type", "text/plain")).stream(request.stream()));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(request.stream()));
            synchronized (log) {
                log.println(method + " " + path + " " + status);
            }
        }
    }
}
