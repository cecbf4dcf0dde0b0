package io.kindling.probe.api.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the capture source reported for the current or last run: the figures the Kindling probe
 * reads with libsinsp's {@code get_capture_stats} ({@code events} the source received, {@code drops}
 * in total, of them for a full buffer, for page faults and for a bug in the instrumentation,
 * {@code preemptions}, {@code suppressed}: events of threads whose command is a suppressed name, see
 * {@link io.kindling.probe.api.source.InspectorSession#suppressComm}), and, for the probe's own eBPF
 * source, the events it wrote into libsinsp's ring, its drops per reason (the kernel's BPF ring full,
 * the ring it writes into full, a parameter that could not be read) and the events its in-kernel
 * filter left out (the probe's own process, syscalls no one needs). Then Kindling's kernel TCP events
 * ({@code kprobe-tcp_close}, ...), which do not pass through libsinsp: how many the source handed to the
 * reader ({@code kernelEvents}), and its drops of them per reason (their BPF ring full in the kernel, its
 * queue full because the reader did not take them in time). Last, {@code udigRingTampered}: how many
 * times the eBPF source found the shared state of libsinsp's ring (its head, tail or the snaplen the reader
 * asks for) out of range, i.e. written by another process; it wrote nothing while that lasted (those
 * events are in {@code dropsUdigRing}). Then {@code threads}: how many threads libsinsp's thread table holds
 * (the machine's threads, and those of processes that ended in the last seconds, which it forgets at its next scan of
 * the table); it does not grow with the processes that came and went. All zero for a capture file.
 *
 * @param source {@link #FILE}, {@link #EBPF} or {@link #KERNEL_MODULE}
 * @since 1.3
 */
public record CaptureStatistics(String source, long events, long drops, long dropsBuffer, long dropsPageFault,
        long dropsBug, long preemptions, long suppressed, long sourceEvents, long dropsBpfRing, long dropsUdigRing,
        long dropsInvalid, long filteredOwnProcess, long filteredSyscall, long kernelEvents, long kernelDropsBpfRing,
        long kernelDropsQueue, long udigRingTampered, long threads) {

    /** Figures without the size of libsinsp's thread table. */
    public CaptureStatistics(String source, long events, long drops, long dropsBuffer, long dropsPageFault,
            long dropsBug, long preemptions, long suppressed, long sourceEvents, long dropsBpfRing, long dropsUdigRing,
            long dropsInvalid, long filteredOwnProcess, long filteredSyscall, long kernelEvents, long kernelDropsBpfRing,
            long kernelDropsQueue, long udigRingTampered) {
        this(source, events, drops, dropsBuffer, dropsPageFault, dropsBug, preemptions, suppressed, sourceEvents,
                dropsBpfRing, dropsUdigRing, dropsInvalid, filteredOwnProcess, filteredSyscall, kernelEvents,
                kernelDropsBpfRing, kernelDropsQueue, udigRingTampered, 0);
    }

    /** Figures of a source that never found its ring tampered with. */
    public CaptureStatistics(String source, long events, long drops, long dropsBuffer, long dropsPageFault,
            long dropsBug, long preemptions, long suppressed, long sourceEvents, long dropsBpfRing, long dropsUdigRing,
            long dropsInvalid, long filteredOwnProcess, long filteredSyscall, long kernelEvents, long kernelDropsBpfRing,
            long kernelDropsQueue) {
        this(source, events, drops, dropsBuffer, dropsPageFault, dropsBug, preemptions, suppressed, sourceEvents,
                dropsBpfRing, dropsUdigRing, dropsInvalid, filteredOwnProcess, filteredSyscall, kernelEvents,
                kernelDropsBpfRing, kernelDropsQueue, 0);
    }

    /** Figures of a source without kernel TCP events. */
    public CaptureStatistics(String source, long events, long drops, long dropsBuffer, long dropsPageFault,
            long dropsBug, long preemptions, long suppressed, long sourceEvents, long dropsBpfRing, long dropsUdigRing,
            long dropsInvalid, long filteredOwnProcess, long filteredSyscall) {
        this(source, events, drops, dropsBuffer, dropsPageFault, dropsBug, preemptions, suppressed, sourceEvents,
                dropsBpfRing, dropsUdigRing, dropsInvalid, filteredOwnProcess, filteredSyscall, 0, 0, 0);
    }

    /** A capture file: there is no capture source to report. */
    public static final String FILE = "file";
    /** Live, from the probe's own CO-RE eBPF programs through libsinsp's udig ring. */
    public static final String EBPF = "ebpf";
    /** Live, from the falcosecurity kernel module. */
    public static final String KERNEL_MODULE = "kernel-module";

    public static final CaptureStatistics NONE = new CaptureStatistics(FILE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public boolean live() {
        return !FILE.equals(source);
    }

    /** Every event the live source lost, whatever the reason. */
    public long sourceDrops() {
        return dropsBpfRing + dropsUdigRing + dropsInvalid;
    }

    /** Every kernel TCP event the live source lost, whatever the reason. */
    public long kernelDrops() {
        return kernelDropsBpfRing + kernelDropsQueue;
    }

    /** The figures as lines of text, for summaries; none for a capture file. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        if (!live()) {
            return lines;
        }
        lines.add(String.format(Locale.ROOT,
                "capture (%s)  events %d, drops %d (buffer %d, page faults %d, bug %d), preemptions %d, suppressed %d",
                source, events, drops, dropsBuffer, dropsPageFault, dropsBug, preemptions, suppressed));
        if (EBPF.equals(source)) {
            lines.add(String.format(Locale.ROOT,
                    "ebpf source     written %d, dropped %d (bpf ring full %d, udig ring full %d, invalid %d),"
                            + " filtered in the kernel: own process %d, unneeded syscalls %d",
                    sourceEvents, sourceDrops(), dropsBpfRing, dropsUdigRing, dropsInvalid, filteredOwnProcess,
                    filteredSyscall));
            lines.add(String.format(Locale.ROOT,
                    "kernel tcp      events %d, dropped %d (bpf ring full %d, queue full %d)",
                    kernelEvents, kernelDrops(), kernelDropsBpfRing, kernelDropsQueue));
            if (udigRingTampered > 0) {
                lines.add(String.format(Locale.ROOT,
                        "udig ring       tampered with %d %s: another process wrote its head, tail or snaplen",
                        udigRingTampered, udigRingTampered == 1 ? "time" : "times"));
            }
        }
        if (threads > 0) {
            lines.add(String.format(Locale.ROOT, "thread table    %d threads (libsinsp's: running, and ended in the last seconds)",
                    threads));
        }
        return lines;
    }
}
