package io.kindling.probe.generator.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A process of the simulated machine: identity for the process list, threads and fd table. */
public final class SimProcess {

    final int pid;
    final int ppid;
    final String comm;
    /** argv[0], as libscap stores it in the exe field. */
    final String exe;
    /** Resolved /proc/pid/exe link. */
    final String exepath;
    final String[] args;
    final String cwd;
    final int uid;
    final int gid;
    final String[] env;
    final String cgroup;
    final int vmSizeKb;
    final int vmRssKb;
    final List<SimThread> threads = new ArrayList<>();
    final List<FdEntry> fds = new ArrayList<>();
    final FdAllocator fdAlloc = new FdAllocator();

    SimProcess(int pid, int ppid, String comm, String exe, String exepath, String[] args, String cwd, int uid,
            int gid, String[] env, String cgroup, int vmSizeKb, int vmRssKb) {
        this.pid = pid;
        this.ppid = ppid;
        this.comm = comm;
        this.exe = exe;
        this.exepath = exepath;
        this.args = args;
        this.cwd = cwd;
        this.uid = uid;
        this.gid = gid;
        this.env = env;
        this.cgroup = cgroup;
        this.vmSizeKb = vmSizeKb;
        this.vmRssKb = vmRssKb;
        threads.add(new SimThread(this, pid, comm));
    }

    SimThread main() {
        return threads.get(0);
    }

    SimThread addThread(int tid, String threadComm) {
        SimThread t = new SimThread(this, tid, threadComm);
        threads.add(t);
        return t;
    }

    SimProcess fd(FdEntry e) {
        fds.add(e);
        fdAlloc.markUsed(e.fd);
        return this;
    }

    static byte[] nulJoined(String[] parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(p).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the PL_BLOCK_TYPE_V9 entry of one thread of this process. */
    void writeEntry(ScapWriter w, SimThread t) {
        boolean isMain = t.tid == pid;
        int flags = isMain ? 0
                : Ppm.CL_CLONE_THREAD | Ppm.CL_CLONE_FILES | Ppm.CL_CLONE_VM | Ppm.CL_CLONE_FS | Ppm.CL_CLONE_SIGHAND;
        String cgroups = "cpu=" + cgroup + "\0memory=" + cgroup + "\0pids=" + cgroup + "\0";
        w.beginEntry();
        w.u64(t.tid).u64(pid).u64(ppid).u64(pid /* sid */).u64(pid /* vpgid */);
        w.lstr(t.comm).lstr(exe).lstr(exepath).lbytes(nulJoined(args)).lstr(cwd);
        w.u64(1024 /* fdlimit */).u32(flags).u32(uid).u32(gid);
        w.u32(vmSizeKb).u32(vmRssKb).u32(0 /* swap */).u64(t.pfMajor).u64(t.pfMinor);
        w.lbytes(nulJoined(env));
        w.u64(t.tid /* vtid */).u64(pid /* vpid */);
        w.lbytes(cgroups.getBytes(StandardCharsets.UTF_8));
        w.lstr("/"); // root
        w.u32(uid >= 1000 ? uid : -1); // loginuid
        w.u8(0); // exe_writable
        w.endEntry(true);
    }
}
