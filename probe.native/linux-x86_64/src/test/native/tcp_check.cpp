// The kernel TCP events, live: a child process makes a loopback connection with a few
// request/reply exchanges (its log has the ports and the kernel's own RTT from TCP_INFO, what
// `ss -ti` shows), then connects to a port nobody listens on. The events the probe's programs
// report must match: tcp_connect, the state changes in order, tcp_rcv_established with an RTT,
// tcp_close with the RTT TCP_INFO gave, and the reset sent and received for the refused connect.
// Subscribing attaches the programs and unsubscribing detaches them (links counted).
#include <string>

#include "tcp_check.h"
#include "../../main/native/live/live_source.h"

#include <sinsp.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace live_check {

namespace {

struct tcp_log {
    int netns_server_port = 0;  // the connection in a network namespace of its own
    int netns_client_port = 0;
    long netns_retrans_segs = -1;      // that namespace's TcpRetransSegs (what nstat shows), after
    unsigned netns_total_retrans = 0;  // TCP_INFO tcpi_total_retrans of the sending socket
    int server_port = 0;
    int client_port = 0;
    unsigned client_rtt_us = 0;  // TCP_INFO tcpi_rtt of the client socket just before close
    int refused_port = 0;
    int refused_client_port = 0;
};

int loopback_socket(int* port, bool listening) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t l = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &l);
    *port = ntohs(a.sin_port);
    if (listening) listen(s, 4);
    return s;
}

int connect_to(int port, int* local_port) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    int r = connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    sockaddr_in me{};
    socklen_t l = sizeof me;
    getsockname(c, reinterpret_cast<sockaddr*>(&me), &l);
    *local_port = ntohs(me.sin_port);
    if (r != 0) {
        close(c);
        return -1;
    }
    return c;
}

long retrans_segs() {
    FILE* f = fopen("/proc/net/snmp", "r");
    char names[2048], values[2048];
    long r = -1;
    while (f && fgets(names, sizeof names, f) && fgets(values, sizeof values, f)) {
        if (strncmp(names, "Tcp:", 4) != 0) continue;
        char *ns = nullptr, *vs = nullptr;
        char* n = strtok_r(names, " \n", &ns);
        char* v = strtok_r(values, " \n", &vs);
        while (n && v) {
            if (strcmp(n, "RetransSegs") == 0) r = atol(v);
            n = strtok_r(nullptr, " \n", &ns);
            v = strtok_r(nullptr, " \n", &vs);
        }
    }
    if (f) fclose(f);
    return r;
}

// Retransmits, forced: in a network namespace of its own (only this connection on its
// loopback), the loopback goes down for 700 ms while data is in flight.
void netns_retransmits(tcp_log* log) {
    if (unshare(CLONE_NEWNET) != 0 || system("ip link set lo up") != 0) return;
    int ls = loopback_socket(&log->netns_server_port, true);
    int c = connect_to(log->netns_server_port, &log->netns_client_port);
    int sc = accept(ls, nullptr, nullptr);
    char buf[4096] = {};
    send(c, buf, sizeof buf, 0);
    recv(sc, buf, sizeof buf, MSG_WAITALL);
    if (system("ip link set lo down") != 0) return;
    send(c, buf, sizeof buf, 0);
    usleep(700000);
    if (system("ip link set lo up") != 0) return;
    recv(sc, buf, sizeof buf, MSG_WAITALL);
    tcp_info ti{};
    socklen_t tl = sizeof ti;
    getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl);
    log->netns_total_retrans = ti.tcpi_total_retrans;
    log->netns_retrans_segs = retrans_segs();
    close(c);
    close(sc);
    close(ls);
}

int start_tcp_workload(int log_fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    usleep(200000);
    tcp_log log;
    int ls = loopback_socket(&log.server_port, true);
    int c = connect_to(log.server_port, &log.client_port);
    int sc = accept(ls, nullptr, nullptr);
    char buf[256];
    for (int i = 0; i < 5; i++) {
        send(c, "ping", 4, 0);
        recv(sc, buf, sizeof buf, 0);
        send(sc, "pong", 4, 0);
        recv(c, buf, sizeof buf, 0);
        usleep(2000);
    }
    tcp_info ti{};
    socklen_t tl = sizeof ti;
    getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl);
    log.client_rtt_us = ti.tcpi_rtt;
    close(c);
    usleep(20000);
    close(sc);
    close(ls);
    // a port nobody listens on: bound then closed
    int gone = loopback_socket(&log.refused_port, false);
    close(gone);
    if (connect_to(log.refused_port, &log.refused_client_port) >= 0) _exit(3);
    netns_retransmits(&log);
    if (write(log_fd, &log, sizeof log) != static_cast<ssize_t>(sizeof log)) _exit(4);
    _exit(0);
}

int count_links() {
    FILE* f = popen("bpftool link list 2>/dev/null", "r");
    int n = 0;
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        if (line[0] >= '0' && line[0] <= '9') n++;
    if (f) pclose(f);
    return n;
}

}  // namespace

int run_tcp_check(void (*check)(bool, const std::string&)) {
    sinsp inspector;
    inspector.open_udig();
    std::string err;
    kindling_live::settings s;
    s.own_tgid = static_cast<uint32_t>(getpid());
    auto src = kindling_live::start(s, &err);
    if (!src) {
        fprintf(stderr, "%s\n", err.c_str());
        return -1;
    }
    int links_before = count_links();
    uint32_t all = 0;
    for (uint16_t k = 1; k < kindling_live::kernel_kind::max; k++) all |= 1u << k;
    uint32_t attached = src->set_kernel_events(all);
    int links_on = count_links();
    {
        // a kernel under lockdown refuses fentry/fexit: the source must have found out before loading
        FILE* f = fopen("/sys/kernel/security/lockdown", "r");
        char mode[128] = {};
        if (f && !fgets(mode, sizeof mode, f)) mode[0] = 0;
        if (f) fclose(f);
        mode[strcspn(mode, "\n")] = 0;
        bool locked = strstr(mode, "[integrity]") || strstr(mode, "[confidentiality]");
        std::string why = src->tracing_refusal();
        printf("lockdown: %s; fentry/fexit: %s\n", mode[0] ? mode : "(unknown)", why.empty() ? "used" : why.c_str());
        if (mode[0])
            check(locked == !why.empty(), std::string("fentry/fexit ") + (why.empty() ? "used" : "refused") +
                                              (locked ? " under lockdown" : " without lockdown"));
    }
    int n_attached = __builtin_popcount(attached);
    check(n_attached == kindling_live::kernel_kind::max - 1,
          "every kernel TCP program attached (" + std::to_string(n_attached) + ")");
    check(links_on == links_before + n_attached,
          "one link per attached program: " + std::to_string(links_before) + " -> " + std::to_string(links_on));

    int logp[2];
    if (pipe(logp) != 0) return 1;
    int child = start_tcp_workload(logp[1]);
    close(logp[1]);
    std::vector<kindling_live::kernel_event> evs;
    kindling_live::kernel_event buf[256];
    bool exited = false;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
        sinsp_evt* ev = nullptr;
        inspector.next(&ev);  // keeps the udig ring flowing
        size_t n = src->read_kernel_events(buf, 256);
        evs.insert(evs.end(), buf, buf + n);
        if (!exited && waitpid(child, nullptr, WNOHANG) == child) {
            exited = true;
            end = std::min(end, std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
        }
    }
    size_t n;
    while ((n = src->read_kernel_events(buf, 256)) > 0) evs.insert(evs.end(), buf, buf + n);
    src->set_kernel_events(0);
    int links_off = count_links();
    check(links_off == links_before, "unsubscribing detaches them: " + std::to_string(links_off) + " links");
    src->stop();
    kindling_live::counters c = src->read_counters();
    inspector.close();

    tcp_log log;
    bool have = read(logp[0], &log, sizeof log) == static_cast<ssize_t>(sizeof log);
    close(logp[0]);
    check(have, "the TCP workload ran");
    if (!have) return 1;
    printf("tcp workload: server port %d, client port %d (TCP_INFO rtt %u us), refused port %d from %d\n",
           log.server_port, log.client_port, log.client_rtt_us, log.refused_port, log.refused_client_port);
    printf("kernel events: %llu read, %llu lost in the BPF ring, %llu lost in the queue\n",
           (unsigned long long)c.kernel_events, (unsigned long long)c.kernel_drops_bpf_ring,
           (unsigned long long)c.kernel_drops_queue);

    auto on = [](const kindling_live::kernel_event& e, int sport, int dport) {
        return e.sport == sport && e.dport == dport && e.family == AF_INET;
    };
    int connects = 0, rcv = 0, closes_client = 0, closes_server = 0, send_reset = 0, recv_reset = 0;
    int refused_connect = 0, retransmits = 0;
    unsigned close_rtt = 0, rcv_rtt = 0;
    std::vector<std::pair<uint32_t, uint32_t>> states;
    uint64_t last_ts = 0;
    bool ordered = true;
    for (const auto& e : evs) {
        if (e.ts + 1000000 < last_ts) ordered = false;  // nearly sorted: within 1 ms
        if (e.ts > last_ts) last_ts = e.ts;
        if (!kindling_live::kernel_event_name(e.kind)) continue;
        if (getenv("KINDLING_LIVE_DEBUG"))
            printf("  %s tid=%u %u->%u rtt=%u retrans=%u state %u>%u retval=%d reason=%u\n",
                   kindling_live::kernel_event_name(e.kind), e.tid, e.sport, e.dport, e.srtt_us, e.total_retrans,
                   e.old_state, e.new_state, e.retval, e.reason);
        bool client = on(e, log.client_port, log.server_port), server = on(e, log.server_port, log.client_port);
        switch (e.kind) {
        case kindling_live::kernel_kind::tcp_connect:
            if (client && e.retval == 0) connects++;
            if (on(e, log.refused_client_port, log.refused_port) && e.retval == 0) refused_connect++;
            break;
        case kindling_live::kernel_kind::tcp_rcv_established:
            if (client || server) {
                rcv++;
                if (client && e.srtt_us) rcv_rtt = e.srtt_us;
            }
            break;
        case kindling_live::kernel_kind::tcp_close:
            if (client) {
                closes_client++;
                close_rtt = e.srtt_us;
            }
            if (server) closes_server++;
            break;
        case kindling_live::kernel_kind::inet_sock_set_state:
            // entering SYN_SENT, the source port is not chosen yet: the kernel reports 0
            if (client || (e.sport == 0 && e.dport == log.server_port && e.old_state == 7 && e.new_state == 2))
                states.push_back({e.old_state, e.new_state});
            break;
        case kindling_live::kernel_kind::tcp_retransmit_skb:
            if (on(e, log.netns_client_port, log.netns_server_port)) retransmits++;
            break;
        case kindling_live::kernel_kind::tcp_send_reset:
            if (on(e, log.refused_port, log.refused_client_port)) send_reset++;
            break;
        case kindling_live::kernel_kind::tcp_receive_reset:
            if (on(e, log.refused_client_port, log.refused_port)) recv_reset++;
            break;
        }
    }
    std::string seq;
    for (auto& st : states) seq += std::to_string(st.first) + ">" + std::to_string(st.second) + " ";
    printf("client states: %s\n", seq.c_str());
    check(ordered, "kernel events come in timestamp order (within 1 ms)");
    check(connects == 1, "kretprobe-tcp_connect of the client, retval 0");
    check(rcv >= 10, "kprobe-tcp_rcv_established for the exchanges (" + std::to_string(rcv) + ")");
    check(closes_client == 1 && closes_server == 1, "kprobe-tcp_close for the client and the server side");
    // at tcp_close (fentry) the RTT is TCP_INFO's; at the socket's destruction (tracepoint) the
    // FIN exchange may have added samples
    check(close_rtt > 0 && close_rtt < 1000000, "tcp_close's RTT " + std::to_string(close_rtt) +
                                                    " us (TCP_INFO before close: " + std::to_string(log.client_rtt_us) +
                                                    " us)");
    check(rcv_rtt > 0 && rcv_rtt < 1000000,
          "tcp_rcv_established carries a plausible RTT (" + std::to_string(rcv_rtt) + " us)");
    check(states.size() >= 3 && states[0] == std::make_pair(7u, 2u) && states[1] == std::make_pair(2u, 1u) &&
              states.back().second == 7u,
          "client states CLOSE>SYN_SENT, SYN_SENT>ESTABLISHED, ... >CLOSE in order");
    check(refused_connect == 1, "tcp_connect to the closed port: the SYN went out (retval 0)");
    check(send_reset == 1, "tracepoint-tcp_send_reset for the closed port (tuple from the segment)");
    check(recv_reset == 1, "tracepoint-tcp_receive_reset on the refused client");
    printf("netns connection %d->%d: %d tcp_retransmit_skb events, TcpRetransSegs %ld, tcpi_total_retrans %u\n",
           log.netns_client_port, log.netns_server_port, retransmits, log.netns_retrans_segs, log.netns_total_retrans);
    check(log.netns_retrans_segs > 0 && retransmits == log.netns_retrans_segs,
          "tcp_retransmit_skb events match the namespace's TcpRetransSegs (nstat)");
    check(c.kernel_drops_bpf_ring == 0 && c.kernel_drops_queue == 0, "no kernel event lost");
    return 0;
}

}  // namespace live_check
