#include "workload.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace live_check {

namespace {

int g_futex_word = 0;
int g_thread_tid = 0;

void* futex_thread(void*) {
    g_thread_tid = static_cast<int>(syscall(SYS_gettid));
    // wait until the main thread wakes us
    while (__atomic_load_n(&g_futex_word, __ATOMIC_ACQUIRE) == 0)
        syscall(SYS_futex, &g_futex_word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    return nullptr;
}

int listen_on(int type, int* port) {
    int s = socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t l = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &l);
    *port = ntohs(a.sin_port);
    if (type == SOCK_STREAM) listen(s, 8);
    return s;
}

void run(workload_log* log) {
    log->pid = getpid();
    char dir[] = "/tmp/kindling-live-check-XXXXXX";
    if (!mkdtemp(dir)) _exit(3);
    log->dir = dir;
    log->file = log->dir + "/data.txt";

    // files: write, read back, dup, fcntl
    const char text[] = "kindling live check: a line of text written to a file\n";
    int fd = open(log->file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    log->file_bytes = write(fd, text, sizeof text - 1);
    close(fd);
    fd = openat(AT_FDCWD, log->file.c_str(), O_RDONLY);
    char buf[4096];
    long got = read(fd, buf, sizeof buf);
    if (got != log->file_bytes) _exit(4);
    int d = dup(fd);
    int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    close(d2);
    close(d);
    close(fd);

    // a relative path after chdir: libsinsp must know the new cwd
    if (chdir(dir) == 0) {
        int rel = open("relative.txt", O_CREAT | O_WRONLY, 0600);
        close(rel);
        unlink("relative.txt");
        if (chdir("/") != 0) _exit(6);
    }

    // a path in a page of a mapped file that nothing touched yet: the programs cannot read it on
    // enter (no page faults there), the kernel faults it in for the syscall
    {
        std::string holder = log->dir + "/path-holder";
        std::string target = log->dir + "/mapped.txt";
        int h = open(holder.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
        if (write(h, target.c_str(), target.size() + 1) < 0) _exit(7);
        void* m = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, h, 0);
        close(h);
        int mf = open(static_cast<const char*>(m), O_CREAT | O_WRONLY, 0600);
        close(mf);
        munmap(m, 4096);
        unlink(target.c_str());
        unlink(holder.c_str());
    }

    // pipe, eventfd, poll, epoll
    int p[2];
    pipe2(p, O_CLOEXEC);
    write(p[1], "x", 1);
    pollfd pf{p[0], POLLIN, 0};
    poll(&pf, 1, 100);
    read(p[0], buf, 1);
    int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = p[0];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    epoll_wait(ep, &ev, 1, 10);
    int efd = eventfd(1, 0);
    close(efd);
    close(ep);
    close(p[0]);
    close(p[1]);

    // a thread blocked on a futex, woken by the main thread
    pthread_t th;
    pthread_create(&th, nullptr, futex_thread, nullptr);
    timespec ts{0, 20 * 1000 * 1000};
    nanosleep(&ts, nullptr);
    __atomic_store_n(&g_futex_word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &g_futex_word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    pthread_join(th, nullptr);
    log->thread_tid = g_thread_tid;

    // loopback TCP: connect, accept, a request and a reply
    int ls = listen_on(SOCK_STREAM, &log->tcp_server_port);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(log->tcp_server_port));
    connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    int sconn = accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    const char req[] = "GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n";
    log->tcp_request_bytes = send(c, req, sizeof req - 1, 0);
    recv(sconn, buf, sizeof buf, 0);
    const char rep[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    iovec iov[2] = {{const_cast<char*>(rep), 20}, {const_cast<char*>(rep) + 20, sizeof rep - 1 - 20}};
    log->tcp_reply_bytes = writev(sconn, iov, 2);
    read(c, buf, sizeof buf);
    shutdown(c, SHUT_WR);
    close(c);
    close(sconn);
    close(ls);

    // a DNS-like UDP exchange
    int us = listen_on(SOCK_DGRAM, &log->udp_server_port);
    int uc = socket(AF_INET, SOCK_DGRAM, 0);
    a.sin_port = htons(static_cast<uint16_t>(log->udp_server_port));
    const char q[] = "\x12\x34query example.com";
    log->udp_bytes = sendto(uc, q, sizeof q - 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    sockaddr_in from{};
    socklen_t fl = sizeof from;
    recvfrom(us, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    close(uc);
    close(us);

    unlink(log->file.c_str());
    rmdir(log->dir.c_str());
}

}  // namespace

int start_workload(int start_delay_ms, int* log_read_fd) {
    int logp[2];
    if (pipe(logp) != 0) return -1;
    pid_t pid = fork();
    if (pid != 0) {
        close(logp[1]);
        *log_read_fd = logp[0];
        return pid;
    }
    close(logp[0]);
    int log_fd = logp[1];
    usleep(static_cast<useconds_t>(start_delay_ms) * 1000);
    workload_log log;
    run(&log);
    dprintf(log_fd, "%d %s %s %ld %d %ld %ld %d %ld %d\n", log.pid, log.dir.c_str(), log.file.c_str(), log.file_bytes,
            log.tcp_server_port, log.tcp_request_bytes, log.tcp_reply_bytes, log.udp_server_port, log.udp_bytes,
            log.thread_tid);
    close(log_fd);
    // end with an exec, so that execve and the process exit are seen too
    execl("/bin/true", "true", "--live-check", static_cast<char*>(nullptr));
    _exit(5);
}

bool read_workload_log(int log_fd, workload_log* log) {
    char line[1024] = {};
    size_t n = 0;
    while (n < sizeof line - 1) {
        ssize_t r = read(log_fd, line + n, sizeof line - 1 - n);
        if (r <= 0) break;
        n += static_cast<size_t>(r);
    }
    char dir[512], file[512];
    if (sscanf(line, "%d %511s %511s %ld %d %ld %ld %d %ld %d", &log->pid, dir, file, &log->file_bytes,
               &log->tcp_server_port, &log->tcp_request_bytes, &log->tcp_reply_bytes, &log->udp_server_port,
               &log->udp_bytes, &log->thread_tid) != 10)
        return false;
    log->dir = dir;
    log->file = file;
    return true;
}

}  // namespace live_check
