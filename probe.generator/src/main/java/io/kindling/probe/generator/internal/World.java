package io.kindling.probe.generator.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated machine: a two CPU host named {@code kindling-lab} with a handful of processes, their
 * threads and open files, users and network interfaces. Identities are fixed; the seed only decides
 * which CPU each thread runs on.
 */
public final class World {

    public static final String HOSTNAME = "kindling-lab";
    public static final int CPUS = 2;

    static final int LOOPBACK = Conn.ip4(127, 0, 0, 1);
    static final int RESOLVER_IP = Conn.ip4(127, 0, 0, 53);
    static final byte[] LOOPBACK6 = new byte[16];
    static final byte[] ANY6 = new byte[16];
    static final int HTTP_PORT = 8080;
    static final int JAVA_PORT = 8090;
    /** The file the Java agent writes its markers to. */
    static final int JAVA_MARKER_FD = 9;

    static {
        LOOPBACK6[15] = 1;
    }

    private static final String[] ENV_SERVICE = {"LANG=C.UTF-8",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "INVOCATION_ID=4f1c2a9e8b7d4c21a3e5f60718293a4b"};
    private static final String[] ENV_USER = {"SHELL=/bin/bash", "HOME=/home/deploy", "USER=deploy", "LOGNAME=deploy",
        "LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin", "TERM=xterm-256color", "SSH_TTY=/dev/pts/0"};

    final List<SimProcess> processes = new ArrayList<>();
    /** The idle task (tid 0) that a CPU switches to when nothing is runnable. */
    final SimThread idle = new SimThread(null, 0, "swapper");

    final SimProcess systemd;
    final SimProcess resolved;
    final SimProcess rsyslogd;
    final SimProcess apiServer;
    final SimProcess confd;
    final SimProcess monitor;
    final SimProcess shell;
    final SimProcess hey4;
    final SimProcess hey6;
    final SimProcess ffmpeg;
    /** A Java HTTP server with Kindling's Java agent; only in captures with the Java activity. */
    final SimProcess javaServer;

    /** The server and client process of each request workload of the capture, by protocol. */
    final java.util.Map<String, SimProcess[]> workloads = new java.util.LinkedHashMap<>();

    private long ino = 40_000;

    public World(Rng rng, boolean withJava) {
        this(rng, withJava, List.of());
    }

    /** A machine with the processes of these request workloads too. */
    World(Rng rng, boolean withJava, List<Workload> requestWorkloads) {
        systemd = newSystemd();
        resolved = newResolved();
        rsyslogd = newRsyslogd();
        apiServer = newApiServer();
        confd = newConfd();
        monitor = newMonitor();
        shell = newShell();
        hey4 = newHey4();
        hey6 = newHey6();
        ffmpeg = newFfmpeg();
        javaServer = withJava ? newJavaServer() : null;
        for (Workload w : requestWorkloads) {
            workloads.put(w.protocol(), new SimProcess[] {newWorkloadServer(w), newWorkloadClient(w)});
        }
        placeThreads(rng);
    }

    /** Threads of a process alternate between the CPUs, from a seed dependent first CPU. */
    private void placeThreads(Rng rng) {
        for (SimProcess p : processes) {
            int first = rng.nextInt(CPUS);
            for (int i = 0; i < p.threads.size(); i++) {
                SimThread t = p.threads.get(i);
                t.cpu = (first + i) % CPUS;
                t.pfMinor = 200 + rng.nextInt(40_000);
                t.pfMajor = rng.nextInt(40);
            }
        }
    }

    private SimProcess newSystemd() {
        SimProcess systemd = add(new SimProcess(1, 0, "systemd", "/sbin/init", "/usr/lib/systemd/systemd",
                new String[] {"splash"}, "/", 0, 0, new String[] {"HOME=/", "TERM=linux"}, "/init.scope", 167_000, 12_800));
        systemd.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDWR, 0x5))
                .fd(FdEntry.file(1, nextIno(), "/dev/null", Ppm.O_RDWR, 0x5))
                .fd(FdEntry.file(2, nextIno(), "/dev/null", Ppm.O_RDWR, 0x5));
        return systemd;
    }

    private SimProcess newResolved() {
        SimProcess resolved = add(new SimProcess(540, 1, "systemd-resolve", "/lib/systemd/systemd-resolved",
                "/usr/lib/systemd/systemd-resolved", new String[0], "/", 101, 103, ENV_SERVICE,
                "/system.slice/systemd-resolved.service", 25_300, 13_100));
        resolved.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDWR, 0x5))
                .fd(FdEntry.unix(1, nextIno(), 0xffff9a2b4c3d1000L, 0xffff9a2b4c3d1400L, "/run/systemd/journal/stdout"))
                .fd(FdEntry.unix(2, nextIno(), 0xffff9a2b4c3d1000L, 0xffff9a2b4c3d1400L, "/run/systemd/journal/stdout"))
                .fd(FdEntry.anon(3, nextIno(), Ppm.FD_EVENTPOLL))
                .fd(FdEntry.ipv4Socket(12, nextIno(), RESOLVER_IP, 53, 0, 0, Ppm.L4_UDP))
                .fd(FdEntry.ipv4Server(13, nextIno(), RESOLVER_IP, 53, Ppm.L4_TCP));
        return resolved;
    }

    private SimProcess newRsyslogd() {
        SimProcess rsyslogd = add(new SimProcess(610, 1, "rsyslogd", "/usr/sbin/rsyslogd", "/usr/sbin/rsyslogd",
                new String[] {"-n", "-iNONE"}, "/", 104, 111, ENV_SERVICE, "/system.slice/rsyslog.service", 222_400, 5_900));
        rsyslogd.addThread(612, "in:imuxsock");
        rsyslogd.addThread(613, "in:imklog");
        rsyslogd.addThread(614, "rs:main Q:Reg");
        rsyslogd.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDONLY, 0x5))
                .fd(FdEntry.file(1, nextIno(), "/dev/null", Ppm.O_WRONLY, 0x5))
                .fd(FdEntry.file(2, nextIno(), "/dev/null", Ppm.O_WRONLY, 0x5))
                .fd(FdEntry.unix(3, nextIno(), 0xffff9a2b4c3d2000L, 0, "/run/systemd/journal/syslog"))
                .fd(FdEntry.file(5, nextIno(), "/proc/kmsg", Ppm.O_RDONLY, 0x4))
                .fd(FdEntry.file(7, nextIno(), "/var/log/syslog", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT | Ppm.O_CLOEXEC, 0xfd01))
                .fd(FdEntry.file(8, nextIno(), "/var/log/auth.log", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT | Ppm.O_CLOEXEC, 0xfd01))
                .fd(FdEntry.file(9, nextIno(), "/var/log/kern.log", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT | Ppm.O_CLOEXEC, 0xfd01));
        return rsyslogd;
    }

    private SimProcess newApiServer() {
        SimProcess apiServer = add(new SimProcess(1187, 1, "api-server", "/usr/local/bin/api-server", "/usr/local/bin/api-server",
                new String[] {"--listen", "0.0.0.0:8080", "--listen", "[::]:8080", "--workers", "2"}, "/srv/api",
                33, 33, ENV_SERVICE, "/system.slice/api-server.service", 1_203_400, 48_700));
        apiServer.addThread(1190, "api-server");
        apiServer.addThread(1191, "api-server");
        apiServer.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDONLY, 0x5))
                .fd(FdEntry.file(1, nextIno(), "/var/log/api-server/access.log", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT, 0xfd01))
                .fd(FdEntry.file(2, nextIno(), "/var/log/api-server/error.log", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT, 0xfd01))
                .fd(FdEntry.anon(3, nextIno(), Ppm.FD_EVENTPOLL))
                .fd(FdEntry.ipv4Server(4, nextIno(), 0, HTTP_PORT, Ppm.L4_TCP))
                .fd(FdEntry.ipv6Server(5, nextIno(), ANY6, HTTP_PORT, Ppm.L4_TCP))
                .fd(FdEntry.anon(6, nextIno(), Ppm.FD_EVENT));
        return apiServer;
    }

    private SimProcess newConfd() {
        SimProcess confd = add(new SimProcess(1402, 1, "confd", "/usr/local/bin/confd", "/usr/local/bin/confd",
                new String[] {"-backend", "file", "-file", "/etc/confd/values.yaml", "-interval", "10"}, "/",
                998, 998, ENV_SERVICE, "/system.slice/confd.service", 731_000, 14_200));
        confd.addThread(1405, "confd");
        confd.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDONLY, 0x5))
                .fd(FdEntry.unix(1, nextIno(), 0xffff9a2b4c3d3000L, 0xffff9a2b4c3d1400L, "/run/systemd/journal/stdout"))
                .fd(FdEntry.unix(2, nextIno(), 0xffff9a2b4c3d3000L, 0xffff9a2b4c3d1400L, "/run/systemd/journal/stdout"));
        return confd;
    }

    private SimProcess newMonitor() {
        SimProcess monitor = add(new SimProcess(1650, 1, "python3", "/usr/bin/python3", "/usr/bin/python3.11",
                new String[] {"/opt/monitor/health_probe.py", "--url", "http://api.internal:8080/health", "--interval", "1"},
                "/opt/monitor", 1000, 1000, ENV_SERVICE, "/system.slice/health-probe.service", 31_800, 19_400));
        monitor.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDONLY, 0x5))
                .fd(FdEntry.unix(1, nextIno(), 0xffff9a2b4c3d4000L, 0xffff9a2b4c3d1400L, "/run/systemd/journal/stdout"))
                .fd(FdEntry.unix(2, nextIno(), 0xffff9a2b4c3d4000L, 0xffff9a2b4c3d1400L, "/run/systemd/journal/stdout"));
        return monitor;
    }

    private SimProcess newShell() {
        SimProcess shell = add(new SimProcess(2100, 1, "bash", "-bash", "/usr/bin/bash", new String[0], "/home/deploy",
                1000, 1000, ENV_USER, "/user.slice/user-1000.slice/session-3.scope", 10_200, 5_300));
        tty(shell, "/dev/pts/0");
        return shell;
    }

    private SimProcess newHey4() {
        SimProcess hey4 = add(new SimProcess(2210, 2100, "hey", "hey", "/usr/local/bin/hey",
                new String[] {"-n", "1000000", "-c", "1", "-disable-keepalive", "http://127.0.0.1:8080/api/items"},
                "/home/deploy", 1000, 1000, ENV_USER, "/user.slice/user-1000.slice/session-3.scope", 712_000, 9_800));
        hey4.addThread(2211, "hey");
        hey4.addThread(2212, "hey");
        tty(hey4, "/dev/pts/0");
        hey4.fd(FdEntry.anon(3, nextIno(), Ppm.FD_EVENTPOLL));
        return hey4;
    }

    private SimProcess newHey6() {
        SimProcess hey6 = add(new SimProcess(2230, 2100, "hey", "hey", "/usr/local/bin/hey",
                new String[] {"-n", "1000000", "-c", "1", "-disable-keepalive", "-m", "POST", "-T", "application/json",
                    "-d", "{\"item\":1234,\"quantity\":2}", "http://[::1]:8080/api/orders"},
                "/home/deploy", 1000, 1000, ENV_USER, "/user.slice/user-1000.slice/session-3.scope", 712_000, 9_900));
        hey6.addThread(2231, "hey");
        tty(hey6, "/dev/pts/0");
        hey6.fd(FdEntry.anon(3, nextIno(), Ppm.FD_EVENTPOLL));
        return hey6;
    }

    private SimProcess newFfmpeg() {
        SimProcess ffmpeg = add(new SimProcess(2750, 2100, "ffmpeg", "ffmpeg", "/usr/bin/ffmpeg",
                new String[] {"-hide_banner", "-i", "/tmp/capture-input.mp4", "-c:v", "libx264", "-preset", "fast",
                    "-threads", "4", "/tmp/capture-output.mp4"},
                "/tmp", 1000, 1000, ENV_USER, "/user.slice/user-1000.slice/session-3.scope", 1_912_000, 402_000));
        for (int i = 1; i <= 4; i++) {
            ffmpeg.addThread(2750 + i, "ffmpeg");
        }
        tty(ffmpeg, "/dev/pts/1");
        ffmpeg.fd(FdEntry.file(3, nextIno(), "/tmp/capture-input.mp4", Ppm.O_RDONLY, 0xfd01))
                .fd(FdEntry.file(4, nextIno(), "/tmp/capture-output.mp4", Ppm.O_WRONLY | Ppm.O_CREAT | Ppm.O_TRUNC, 0xfd01));
        return ffmpeg;
    }

    /** A workload's server: its listening socket is fd 4 (for UDP a bound socket), its epoll fd 3. */
    private SimProcess newWorkloadServer(Workload w) {
        SimProcess p = workloadProcess(w.server());
        p.fd(FdEntry.anon(3, nextIno(), Ppm.FD_EVENTPOLL));
        p.fd(w.udp() ? FdEntry.ipv4Socket(4, nextIno(), LOOPBACK, w.port(), 0, 0, Ppm.L4_UDP)
                : FdEntry.ipv4Server(4, nextIno(), LOOPBACK, w.port(), Ppm.L4_TCP));
        return p;
    }

    private SimProcess newWorkloadClient(Workload w) {
        return workloadProcess(w.client());
    }

    private SimProcess workloadProcess(Workload.Proc d) {
        int gid = switch (d.uid()) {
            case 101 -> 103;
            case 104 -> 111;
            default -> d.uid();
        };
        SimProcess p = add(new SimProcess(d.pid(), 1, d.comm(), d.exe(), d.exepath(), d.args(), d.cwd(), d.uid(), gid,
                d.uid() >= 1000 ? ENV_USER : ENV_SERVICE, "/system.slice/" + d.comm() + ".service", 412_000, 23_500));
        for (int i = 1; i < d.threads(); i++) {
            p.addThread(d.pid() + i, d.comm());
        }
        p.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDONLY, 0x5))
                .fd(FdEntry.file(1, nextIno(), "/dev/null", Ppm.O_WRONLY, 0x5))
                .fd(FdEntry.file(2, nextIno(), "/dev/null", Ppm.O_WRONLY, 0x5));
        return p;
    }

    private void tty(SimProcess p, String tty) {
        for (int fd = 0; fd < 3; fd++) {
            p.fd(FdEntry.file(fd, nextIno(), tty, Ppm.O_RDWR, 0x8800003));
        }
    }

    private SimProcess add(SimProcess p) {
        processes.add(p);
        return p;
    }

    private long nextIno() {
        return ino += 7;
    }

    /** Writes the machine info, interface list, user list, process list and fd list blocks. */
    public void writeMetadata(ScapWriter w) throws IOException {
        // machine info: scap_machine_info (packed, 180 bytes)
        w.beginBlock(ScapWriter.MI_BLOCK_TYPE, 256);
        w.u32(CPUS).u64(8L << 30).u64(4_194_304L).fixedStr(HOSTNAME, 128).u64(0).u64(0).u64(0).u64(0);
        w.endBlock();

        // interface list: entry length excludes the length field itself
        w.beginBlock(ScapWriter.IL_BLOCK_TYPE_V2, 1024);
        iface4(w, "lo", LOOPBACK, Conn.ip4(255, 0, 0, 0), 0, 0);
        iface4(w, "eth0", Conn.ip4(10, 0, 2, 15), Conn.ip4(255, 255, 255, 0), Conn.ip4(10, 0, 2, 255), 1000);
        byte[] mask128 = new byte[16];
        java.util.Arrays.fill(mask128, (byte) 0xff);
        iface6(w, "lo", LOOPBACK6, mask128, 0);
        byte[] linkLocal = {(byte) 0xfe, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0, (byte) 0xff, (byte) 0xfe, 0x12, 0x34, 0x56};
        byte[] mask64 = new byte[16];
        java.util.Arrays.fill(mask64, 0, 8, (byte) 0xff);
        iface6(w, "eth0", linkLocal, mask64, 1000);
        w.endBlock();

        users(w);

        // process list: one entry per thread
        w.beginBlock(ScapWriter.PL_BLOCK_TYPE_V9, 256 * 1024);
        for (SimProcess p : processes) {
            for (SimThread t : p.threads) {
                p.writeEntry(w, t);
            }
        }
        w.endBlock();

        // fd lists: threads share their process's table (PPM_CL_CLONE_FILES), so only main threads
        for (SimProcess p : processes) {
            w.beginBlock(ScapWriter.FDL_BLOCK_TYPE_V2, 64 * 1024);
            w.u64(p.pid);
            for (FdEntry e : p.fds) {
                e.write(w);
            }
            w.endBlock();
        }
    }

    /** The user list block: users, then groups. */
    private static void users(ScapWriter w) throws IOException {
        w.beginBlock(ScapWriter.UL_BLOCK_TYPE_V2, 4096);
        user(w, 0, 0, "root", "/root", "/bin/bash");
        user(w, 33, 33, "www-data", "/var/www", "/usr/sbin/nologin");
        user(w, 101, 103, "systemd-resolve", "/run/systemd", "/usr/sbin/nologin");
        user(w, 104, 111, "syslog", "/home/syslog", "/usr/sbin/nologin");
        user(w, 998, 998, "confd", "/var/lib/confd", "/usr/sbin/nologin");
        user(w, 1000, 1000, "deploy", "/home/deploy", "/bin/bash");
        group(w, 0, "root");
        group(w, 4, "adm");
        group(w, 33, "www-data");
        group(w, 103, "systemd-resolve");
        group(w, 111, "syslog");
        group(w, 998, "confd");
        group(w, 1000, "deploy");
        w.endBlock();
    }

    private static void iface4(ScapWriter w, String name, int addr, int mask, int bcast, long speed) {
        w.beginEntry();
        byte[] n = Bytes.ascii(name);
        w.u16(1 /* SCAP_II_IPV4 */).u16(n.length).u32(addr).u32(mask).u32(bcast).u64(speed).raw(n);
        w.endEntry(false);
    }

    private static void iface6(ScapWriter w, String name, byte[] addr, byte[] mask, long speed) {
        w.beginEntry();
        byte[] n = Bytes.ascii(name);
        w.u16(2 /* SCAP_II_IPV6 */).u16(n.length).raw(addr).raw(mask).raw(new byte[16]).u64(speed).raw(n);
        w.endEntry(false);
    }

    private static void user(ScapWriter w, int uid, int gid, String name, String home, String shell) {
        w.beginEntry();
        w.u8(0 /* USERBLOCK_TYPE_USER */).u32(uid).u32(gid).lstr(name).lstr(home).lstr(shell);
        w.endEntry(true);
    }

    private static void group(ScapWriter w, int gid, String name) {
        w.beginEntry();
        w.u8(1 /* USERBLOCK_TYPE_GROUP */).u32(gid).lstr(name);
        w.endEntry(true);
    }

    /** A JVM serving HTTP with Kindling's Java agent, which writes its markers to {@link #JAVA_MARKER_FD}. */
    private SimProcess newJavaServer() {
        SimProcess javaServer = add(new SimProcess(3300, 1, "java", "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                new String[] {"-javaagent:/opt/kindling/agent/kindling-java.jar", "-jar", "/srv/shop/shop.jar"}, "/srv/shop",
                33, 33, ENV_SERVICE, "/system.slice/shop.service", 4_812_000, 412_000));
        // the kernel knows every thread of this JVM as "java"; the agent tells their Java names
        javaServer.addThread(3320, "java");
        javaServer.addThread(3331, "java");
        javaServer.addThread(3332, "java");
        javaServer.fd(FdEntry.file(0, nextIno(), "/dev/null", Ppm.O_RDONLY, 0x5))
                .fd(FdEntry.file(1, nextIno(), "/var/log/shop/stdout.log", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT, 0xfd01))
                .fd(FdEntry.file(2, nextIno(), "/var/log/shop/stdout.log", Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT, 0xfd01))
                .fd(FdEntry.ipv4Server(5, nextIno(), 0, JAVA_PORT, Ppm.L4_TCP))
                .fd(FdEntry.file(JAVA_MARKER_FD, nextIno(), "/dev/null", Ppm.O_WRONLY, 0x5));
        return javaServer;
    }
}
