package io.kindling.probe.generator.internal;

/**
 * File work: rsyslogd appending to /var/log/syslog (and reopening it as after a rotation), and confd
 * reading its configuration and templates under /etc, staging a rendered file in /tmp and failing to
 * install it into /etc (EACCES), plus lookups of files that do not exist (ENOENT).
 */
final class FileActivity extends Activity {

    private static final int READ_FLAGS = Ppm.O_RDONLY | Ppm.O_CLOEXEC;
    private static final int CREATE_FLAGS = Ppm.O_WRONLY | Ppm.O_CREAT | Ppm.O_TRUNC | Ppm.O_CLOEXEC;
    private static final int APPEND_FLAGS = Ppm.O_WRONLY | Ppm.O_APPEND | Ppm.O_CREAT | Ppm.O_CLOEXEC;

    private final SimThread syslogWriter;
    private final SimThread[] confdThreads;
    private final byte[][] readPaths;
    private final byte[][] readContents;
    private final Bytes line = new Bytes(1024);
    private final Bytes tmpPath = new Bytes(256);
    private int syslogFd = 7;

    FileActivity(World world, Rng rng, SimClock clock) {
        super(world, rng, clock);
        syslogWriter = world.rsyslogd.threads.get(3); // rs:main Q:Reg
        confdThreads = world.confd.threads.toArray(new SimThread[0]);
        readPaths = new byte[Payloads.READ_PATHS.length][];
        readContents = new byte[Payloads.READ_CONTENTS.length][];
        for (int i = 0; i < readPaths.length; i++) {
            readPaths[i] = Bytes.ascii(Payloads.READ_PATHS[i]);
            readContents[i] = Bytes.ascii(Payloads.READ_CONTENTS[i]);
        }
    }

    @Override
    void plan() {
        int r = rng.nextInt(100);
        if (r < 40) {
            appendSyslog();
        } else if (r < 42) {
            reopenSyslog();
        } else if (r < 80) {
            readConfig(confdThreads[rng.nextInt(confdThreads.length)]);
        } else if (r < 92) {
            stageAndInstall(confdThreads[rng.nextInt(confdThreads.length)]);
        } else {
            failedLookups(confdThreads[rng.nextInt(confdThreads.length)]);
        }
    }

    private void appendSyslog() {
        SimThread t = syslogWriter;
        byte[] msg = Payloads.SYSLOG_MESSAGES[rng.nextInt(Payloads.SYSLOG_MESSAGES.length)];
        line.clear().add(clock.syslogDate()).add(Payloads.SYSLOG_HOST).add(msg).add('\n');
        io(t, Ppm.WRITE_E, syslogFd, line.n, line.a, line.n, line.n);
        if (rng.percent(10)) {
            fstat(t, syslogFd);
        }
    }

    private void reopenSyslog() {
        SimThread t = syslogWriter;
        close(t, syslogFd);
        syslogFd = t.proc.fdAlloc.allocate();
        openat(t, Payloads.SYSLOG_PATH, Payloads.SYSLOG_PATH.length, APPEND_FLAGS, 0640, syslogFd);
        fstat(t, syslogFd);
    }

    private void readConfig(SimThread t) {
        int which = rng.nextInt(readPaths.length);
        byte[] path = readPaths[which];
        byte[] content = readContents[which];
        int fd = t.proc.fdAlloc.allocate();
        openat(t, path, path.length, READ_FLAGS, 0, fd);
        fstat(t, fd);
        io(t, Ppm.READ_E, fd, 4096, content, content.length, content.length);
        io(t, Ppm.READ_E, fd, 4096, null, 0, 0);
        close(t, fd);
    }

    private void stageAndInstall(SimThread t) {
        tmpPath.clear().add(Payloads.TMP_PREFIX).addPadded(rng.nextInt(1_000_000_000), 9);
        int fd = t.proc.fdAlloc.allocate();
        openat(t, tmpPath.a, tmpPath.n, CREATE_FLAGS, 0644, fd);
        byte[] cfg = Payloads.RENDERED_CONFIG;
        io(t, Ppm.WRITE_E, fd, cfg.length, cfg, cfg.length, cfg.length);
        fstat(t, fd);
        close(t, fd);
        // confd runs as an unprivileged user: installing into /etc is refused
        openat(t, Payloads.INSTALL_TARGET, Payloads.INSTALL_TARGET.length, CREATE_FLAGS, 0644, -Ppm.EACCES);
    }

    private void failedLookups(SimThread t) {
        if (rng.percent(50)) {
            openat(t, Payloads.MISSING_FILE, Payloads.MISSING_FILE.length, READ_FLAGS, 0, -Ppm.ENOENT);
        } else {
            openat(t, Payloads.PROTECTED_LOG, Payloads.PROTECTED_LOG.length, READ_FLAGS, 0, -Ppm.EACCES);
        }
    }
}
