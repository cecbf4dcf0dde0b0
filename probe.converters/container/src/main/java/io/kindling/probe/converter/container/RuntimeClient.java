package io.kindling.probe.converter.container;

import io.kindling.probe.api.ContainerContext;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Talks to the container runtime for the {@link ContainerTable}, on threads of its own: one follows the
 * runtime (its running containers, then its event stream, reconnecting every few seconds while there is
 * no runtime), one looks up the containers the table asks about (a bounded queue: beyond it a request
 * is refused and asked again by a later event), and a timer cuts calls that take too long and sweeps
 * the table once a second.
 */
final class RuntimeClient {
    private static final System.Logger LOG = System.getLogger(RuntimeClient.class.getName());
    static final int QUEUE = 256;
    static final long RETRY_MILLIS = 3000;

    private final DockerApi api;
    private final ContainerTable table;
    private final OciBundles bundles;
    private final ScheduledExecutorService timer;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread follower;
    private final Thread lookupThread;
    private volatile boolean stopping;
    private volatile boolean connected;
    private volatile SocketChannel stream;

    final AtomicLong events = new AtomicLong();
    final AtomicLong lookups = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    /** Of the answered lookups, those that an OCI bundle answered (containerd, CRI-O). */
    final AtomicLong fromBundles = new AtomicLong();
    final AtomicLong notFound = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    RuntimeClient(Path socket, long timeoutMillis, ContainerTable table, OciBundles bundles) {
        this.table = table;
        this.bundles = bundles;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kindling-container-timer"));
        this.api = new DockerApi(socket, timeoutMillis, timer);
        this.follower = daemon(this::follow, "kindling-container-runtime");
        this.lookupThread = daemon(this::lookUp, "kindling-container-lookup");
        table.lookups(id -> {
            boolean queued = queue.offer(id);
            if (!queued) {
                refused.incrementAndGet();
            }
            return queued;
        });
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void start() {
        timer.scheduleAtFixedRate(table::sweep, 1, 1, TimeUnit.SECONDS);
        follower.start();
        lookupThread.start();
    }

    void stop() {
        stopping = true;
        SocketChannel s = stream;
        if (s != null) {
            DockerApi.closeQuietly(s);
        }
        follower.interrupt();
        lookupThread.interrupt();
        timer.shutdownNow();
        try {
            follower.join(2000);
            lookupThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean connected() {
        return connected;
    }

    private void lookUp() {
        while (!stopping) {
            String id;
            try {
                id = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            lookups.incrementAndGet();
            ContainerContext described = null;
            boolean failedHere = false;
            if (Files.exists(api.socket())) {
                try {
                    DockerApi.Answer a = api.get("/containers/" + id + "/json");
                    if (a.status() == 200) {
                        Object json = JsonText.parse(a.body());
                        Object labels = json instanceof Map<?, ?> m && m.get("Config") instanceof Map<?, ?> c ? c.get("Labels") : null;
                        described = ContainerConverter.describe(id, JsonText.string(json, "Name"), JsonText.string(json, "Config", "Image"),
                                labels instanceof Map<?, ?> l ? l : Map.of());
                    } else if (a.status() != 404) { // 404: another runtime's container, or one removed meanwhile
                        failedHere = true;
                    }
                } catch (IOException | IllegalArgumentException e) {
                    failedHere = true;
                }
            }
            if (described == null) {
                described = bundles.describe(id);
                if (described != null) {
                    fromBundles.incrementAndGet();
                }
            }
            if (described != null) {
                table.describe(described);
                answered.incrementAndGet();
            } else if (failedHere) {
                failed.incrementAndGet();
            } else {
                notFound.incrementAndGet();
            }
        }
    }

    /** Reads the running containers, then follows the event stream; again after a pause whenever it ends. */
    private void follow() {
        String filter = URLEncoder.encode("{\"type\":[\"container\"]}", StandardCharsets.UTF_8);
        boolean told = false;
        while (!stopping) {
            if (Files.exists(api.socket())) {
                try {
                    DockerApi.Answer list = api.get("/containers/json");
                    if (list.status() == 200 && JsonText.parse(list.body()) instanceof List<?> running) {
                        connected = true;
                        for (Object c : running) {
                            if (c instanceof Map<?, ?> m && m.get("Id") instanceof String id && id.length() >= 12) {
                                Object names = m.get("Names");
                                String name = names instanceof List<?> n && !n.isEmpty() && n.get(0) instanceof String s ? s : "";
                                table.describe(ContainerConverter.describe(id.substring(0, 12), name, JsonText.string(m, "Image"),
                                        m.get("Labels") instanceof Map<?, ?> l ? l : Map.of()));
                            }
                        }
                        api.stream("/events?filters=" + filter, ch -> stream = ch, this::onEvent);
                    }
                } catch (IOException | IllegalArgumentException e) {
                    if (!told && !stopping) {
                        LOG.log(System.Logger.Level.DEBUG, "container runtime at " + api.socket() + ": " + e.getMessage());
                        told = true;
                    }
                } finally {
                    connected = false;
                }
            }
            try {
                Thread.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void onEvent(String line) {
        Object json;
        try {
            json = JsonText.parse(line);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (!(json instanceof Map<?, ?> m) || !"container".equals(m.get("Type")) || !(m.get("Actor") instanceof Map<?, ?> actor)
                || !(actor.get("ID") instanceof String id) || id.length() < 12) {
            return;
        }
        events.incrementAndGet();
        String shortId = id.substring(0, 12);
        String action = JsonText.string(m, "Action");
        Map<?, ?> attributes = actor.get("Attributes") instanceof Map<?, ?> a ? a : Map.of();
        switch (action) {
            case "create", "start", "rename" -> table.describe(ContainerConverter.describe(shortId,
                    JsonText.string(attributes, "name"), JsonText.string(attributes, "image"), attributes));
            case "destroy" -> table.forget(shortId);
            default -> { }
        }
    }
}
