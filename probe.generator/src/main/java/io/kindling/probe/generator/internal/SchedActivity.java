package io.kindling.probe.generator.internal;

/**
 * A CPU bound ffmpeg encode: four worker threads spread over both CPUs that preempt each other and
 * synchronise through futexes (wait, wake, broadcast from the main thread, and the occasional EAGAIN when
 * the futex word changed before the wait). The engine turns every change of the running thread of a CPU
 * into a sched_switch event.
 */
final class SchedActivity extends Activity {

    private static final long FRAME_QUEUE = 0x55d0c4a1e2d8L;
    private static final long WORKER_COND = 0x55d0c4a1e300L;

    private final SimThread main;
    private final SimThread[] workers;
    private final boolean[] waiting;
    private long futexWord;
    private boolean started;

    SchedActivity(World world, Rng rng, SimClock clock) {
        super(world, rng, clock);
        main = world.ffmpeg.main();
        workers = new SimThread[world.ffmpeg.threads.size() - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = world.ffmpeg.threads.get(i + 1);
        }
        waiting = new boolean[workers.length];
    }

    private int pick(boolean wantWaiting) {
        int n = 0;
        for (boolean w : waiting) {
            if (w == wantWaiting) {
                n++;
            }
        }
        if (n == 0) {
            return -1;
        }
        int k = rng.nextInt(n);
        for (int i = 0; i < waiting.length; i++) {
            if (waiting[i] == wantWaiting && k-- == 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    void plan() {
        if (!started) {
            // the main thread waits for the encode to finish for the whole capture
            Ev e = futexEnter(main, FRAME_QUEUE, Ppm.FUTEX_WAIT | Ppm.FUTEX_PRIVATE_FLAG, 0);
            e.blocking = true;
            started = true;
        }
        int r = rng.nextInt(100);
        int running = pick(false);
        int sleeping = pick(true);
        if (r < 45 && running >= 0) {
            preempt(workers[running]);
        } else if (r < 70 && running >= 0 && sleeping >= 0) {
            handFrame(running, sleeping);
        } else if (r < 93 && running >= 0 && countRunning() > 1) {
            runOutOfFrames(running);
        } else if (sleeping >= 0) {
            signalInput(running, sleeping);
        } else {
            preempt(workers[rng.nextInt(workers.length)]);
        }
    }

    /** Preemption: a runnable worker gets the CPU. */
    private void preempt(SimThread worker) {
        Ev e = q.add(worker, 0);
        e.runOnly = true;
        e.delayNs = usec(20, 400);
    }

    /** A worker hands a frame to a sleeping one. */
    private void handFrame(int running, int sleeping) {
        SimThread waker = workers[running];
        futexEnter(waker, WORKER_COND, Ppm.FUTEX_WAKE | Ppm.FUTEX_PRIVATE_FLAG, 1);
        exit(waker, Ppm.FUTEX_X, 1);
        Ev x = exit(workers[sleeping], Ppm.FUTEX_X, 0);
        x.delayNs = usec(3, 50);
        waiting[sleeping] = false;
    }

    /** A worker runs out of frames and waits. */
    private void runOutOfFrames(int running) {
        SimThread t = workers[running];
        futexWord++;
        Ev e = futexEnter(t, WORKER_COND, Ppm.FUTEX_WAIT | Ppm.FUTEX_PRIVATE_FLAG, futexWord);
        e.delayNs = usec(100, 2000); // encoding work before it blocks
        if (rng.percent(8)) {
            exit(t, Ppm.FUTEX_X, -Ppm.EAGAIN);
        } else {
            e.blocking = true;
            waiting[running] = true;
        }
    }

    /** A waker (or the demuxer in the main thread when all sleep) signals new input. */
    private void signalInput(int running, int sleeping) {
        SimThread waker = running >= 0 ? workers[running] : workers[sleeping];
        if (running < 0) {
            // everyone sleeps: the worker times out of its wait by itself
            Ev x = exit(waker, Ppm.FUTEX_X, 0);
            x.delayNs = usec(500, 3000);
            waiting[sleeping] = false;
            return;
        }
        int woken = 0;
        for (boolean w : waiting) {
            woken += w ? 1 : 0;
        }
        futexEnter(waker, WORKER_COND, Ppm.FUTEX_WAKE | Ppm.FUTEX_PRIVATE_FLAG, Integer.MAX_VALUE);
        exit(waker, Ppm.FUTEX_X, woken);
        for (int i = 0; i < waiting.length; i++) {
            if (waiting[i]) {
                Ev x = exit(workers[i], Ppm.FUTEX_X, 0);
                x.delayNs = usec(2, 30);
                waiting[i] = false;
            }
        }
    }

    private int countRunning() {
        int n = 0;
        for (boolean w : waiting) {
            n += w ? 0 : 1;
        }
        return n;
    }
}
