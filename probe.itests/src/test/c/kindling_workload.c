/*
 * Kindling Probe for OSGi - a workload on loopback that logs what it did, for the live capture tests.
 * Build: cc -O2 -pthread -o kindling_workload kindling_workload.c
 *
 *   kindling_workload mixed DIR      HTTP/1.1 over TCP, files, a DNS-like UDP exchange, a futex wait
 *                                    and epoll waits; one line per thing done on standard output
 *   kindling_workload churn DIR      opens a file of DIR every 200 us or so and writes to it, keeps
 *                                    2,048 files open and writes to each again halfway through its
 *                                    life, until DIR/stop exists (at most 120 s); each write's 64
 *                                    bytes start with the file's name and a space;
 *                                    prints "pid" first and "churn" (files, writes) at the end
 *
 * Lines of mixed (key=value): "pid", "tcp" (per connection: both threads, fds, ports and bytes,
 * connect and accept time), "file" (thread, fd, path, bytes, operation time), "udp", "futex",
 * "epoll". Times are nanoseconds around the system call, as measured by the workload.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long tid(void) { return syscall(SYS_gettid); }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	if((peer ? getpeername(fd, (struct sockaddr*)&a, &l) : getsockname(fd, (struct sockaddr*)&a, &l)) != 0)
		return -1;
	return ntohs(a.sin_port);
}

static void die(const char* what)
{
	fprintf(stderr, "kindling_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listener(int* port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if(fd < 0 || bind(fd, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(fd, 128) != 0)
		die("listen");
	*port = port_of(fd, 0);
	return fd;
}

/* Reads one HTTP request or response head (and a body of Content-Length); returns bytes read, 0 at
 * the end of the connection. */
static long read_message(int fd, char* buf, size_t cap)
{
	size_t n = 0;
	long body = -1;
	for(;;)
	{
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if(r <= 0)
			return n > 0 ? (long)n : 0;
		n += r;
		buf[n] = 0;
		char* end = strstr(buf, "\r\n\r\n");
		if(end != NULL)
		{
			if(body < 0)
			{
				char* cl = strcasestr(buf, "Content-Length:");
				body = cl != NULL && cl < end ? atol(cl + 15) : 0;
			}
			if(n >= (size_t)(end - buf) + 4 + body)
				return (long)n;
		}
	}
}

static const char RESPONSE_BODY[] = "hello from the kindling workload\n";

static long respond(int fd)
{
	char head[256];
	int h = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
	                 sizeof(RESPONSE_BODY) - 1, RESPONSE_BODY);
	return write(fd, head, h);
}

/* ---------------------------------------------------------------------------------------------- */
/* mixed                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

#define CONNECTIONS 3

struct server_log
{
	long tid;
	int epfd;
	int fd[CONNECTIONS];
	int cport[CONNECTIONS];
	long sent[CONNECTIONS], received[CONNECTIONS];
	uint64_t accept_ns[CONNECTIONS];
	int epoll_waits;
};

static int g_listen_fd;
static struct server_log g_server;

/* Accepts CONNECTIONS connections, waiting in epoll_wait; answers one request on each. */
static void* http_server(void* arg)
{
	struct server_log* s = &g_server;
	s->tid = tid();
	s->epfd = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = g_listen_fd};
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, g_listen_fd, &ev);
	for(int i = 0; i < CONNECTIONS; i++)
	{
		struct epoll_event out;
		while(epoll_wait(s->epfd, &out, 1, 5000) != 1)
			;
		s->epoll_waits++;
		uint64_t t0 = now_ns();
		int fd = accept4(g_listen_fd, NULL, NULL, SOCK_CLOEXEC);
		s->accept_ns[i] = now_ns() - t0;
		if(fd < 0)
			die("accept4");
		char buf[4096];
		s->fd[i] = fd;
		s->cport[i] = port_of(fd, 1);
		s->received[i] = read_message(fd, buf, sizeof(buf));
		s->sent[i] = respond(fd);
		/* the client closes first; read its end, then close */
		s->received[i] += read(fd, buf, sizeof(buf));
		close(fd);
	}
	return arg;
}

struct udp_log
{
	long tid;
	int fd, port;
	long received, sent;
};
static struct udp_log g_udp;
static int g_udp_fd;

static void* dns_server(void* arg)
{
	g_udp.tid = tid();
	g_udp.fd = g_udp_fd;
	char buf[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(g_udp_fd, buf, sizeof(buf), 0, (struct sockaddr*)&from, &fl);
	if(n <= 0)
		die("recvfrom");
	g_udp.received = n;
	buf[2] |= 0x80; /* a response: QR bit */
	memcpy(buf + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", 16);
	g_udp.sent = sendto(g_udp_fd, buf, n + 16, 0, (struct sockaddr*)&from, fl);
	return arg;
}

static uint32_t g_futex;
static long g_futex_waker_tid;

static void* futex_waker(void* arg)
{
	g_futex_waker_tid = tid();
	struct timespec d = {0, 50 * 1000 * 1000};
	nanosleep(&d, NULL);
	__atomic_store_n(&g_futex, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &g_futex, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return arg;
}

static int mixed(const char* dir)
{
	printf("pid pid=%d tid=%ld\n", getpid(), tid());

	/* HTTP/1.1 */
	int port;
	g_listen_fd = listener(&port);
	pthread_t server;
	pthread_create(&server, NULL, http_server, NULL);
	struct
	{
		int fd, port;
		long sent, received;
		uint64_t connect_ns;
	} c[CONNECTIONS];
	for(int i = 0; i < CONNECTIONS; i++)
	{
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		uint64_t t0 = now_ns();
		if(connect(c[i].fd, (struct sockaddr*)&a, sizeof(a)) != 0)
			die("connect");
		c[i].connect_ns = now_ns() - t0;
		c[i].port = port_of(c[i].fd, 0);
		char req[256];
		int n = snprintf(req, sizeof(req), "GET /item/%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: kindling-workload\r\n\r\n", i, port);
		c[i].sent = write(c[i].fd, req, n);
		char buf[4096];
		c[i].received = read_message(c[i].fd, buf, sizeof(buf));
		close(c[i].fd);
	}
	pthread_join(server, NULL);
	for(int i = 0; i < CONNECTIONS; i++)
	{
		int j = 0;
		while(j < CONNECTIONS && g_server.cport[j] != c[i].port)
			j++;
		if(j == CONNECTIONS)
		{
			fprintf(stderr, "kindling_workload: connection from port %d not accepted\n", c[i].port);
			return 1;
		}
		printf("tcp client_tid=%ld client_fd=%d server_tid=%ld server_fd=%d sip=127.0.0.1 sport=%d dip=127.0.0.1 dport=%d"
		       " client_sent=%ld client_received=%ld server_sent=%ld server_received=%ld connect_ns=%llu accept_ns=%llu\n",
		       tid(), c[i].fd, g_server.tid, g_server.fd[j], c[i].port, port, c[i].sent, c[i].received, g_server.sent[j],
		       g_server.received[j], (unsigned long long)c[i].connect_ns, (unsigned long long)g_server.accept_ns[j]);
	}
	printf("epoll tid=%ld epfd=%d waits=%d\n", g_server.tid, g_server.epfd, g_server.epoll_waits);
	close(g_server.epfd);
	close(g_listen_fd);

	/* files */
	for(int i = 0; i < 3; i++)
	{
		char path[4096];
		snprintf(path, sizeof(path), "%s/kindling-file-%d.txt", dir, i);
		char data[1000 * 3];
		size_t len = 1000 * (i + 1);
		memset(data, 'a' + i, len);
		uint64_t t0 = now_ns();
		int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if(fd < 0)
			die(path);
		ssize_t w = write(fd, data, len);
		uint64_t wt = now_ns() - t0;
		close(fd);
		printf("file op=write tid=%ld fd=%d path=%s bytes=%zd ns=%llu\n", tid(), fd, path, w, (unsigned long long)wt);
		t0 = now_ns();
		fd = open(path, O_RDONLY);
		ssize_t r = read(fd, data, sizeof(data));
		uint64_t rt = now_ns() - t0;
		close(fd);
		printf("file op=read tid=%ld fd=%d path=%s bytes=%zd ns=%llu\n", tid(), fd, path, r, (unsigned long long)rt);
	}

	/* DNS-like UDP */
	g_udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if(bind(g_udp_fd, (struct sockaddr*)&ua, sizeof(ua)) != 0)
		die("bind udp");
	g_udp.port = port_of(g_udp_fd, 0);
	pthread_t dns;
	pthread_create(&dns, NULL, dns_server, NULL);
	int q = socket(AF_INET, SOCK_DGRAM, 0);
	ua.sin_port = htons(g_udp.port);
	static const char query[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07kindling\x04test\x00\x00\x01\x00\x01";
	ssize_t qs = sendto(q, query, sizeof(query) - 1, 0, (struct sockaddr*)&ua, sizeof(ua));
	char answer[512];
	ssize_t qr = recvfrom(q, answer, sizeof(answer), 0, NULL, NULL);
	int qport = port_of(q, 0);
	pthread_join(dns, NULL);
	printf("udp client_tid=%ld client_fd=%d client_port=%d server_tid=%ld server_fd=%d server_port=%d client_sent=%zd"
	       " client_received=%zd server_received=%ld server_sent=%ld\n",
	       tid(), q, qport, g_udp.tid, g_udp.fd, g_udp.port, qs, qr, g_udp.received, g_udp.sent);
	close(q);
	close(g_udp_fd);

	/* a futex wait that another thread ends */
	pthread_t waker;
	pthread_create(&waker, NULL, futex_waker, NULL);
	uint64_t t0 = now_ns();
	while(__atomic_load_n(&g_futex, __ATOMIC_SEQ_CST) == 0)
		syscall(SYS_futex, &g_futex, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	uint64_t waited = now_ns() - t0;
	pthread_join(waker, NULL);
	printf("futex tid=%ld waker_tid=%ld addr=%p waited_ns=%llu\n", tid(), g_futex_waker_tid, (void*)&g_futex,
	       (unsigned long long)waited);
	return 0;
}

/* Files opened and written without a pause, each kept open for CHURN_FILES rounds (about half a
 * second) and written again halfway through its life: a live capture that starts meanwhile must know
 * the file of every write whose enter it read, whenever the file was opened. Each write's data starts
 * with the name of the file it is written to. */
#define CHURN_FILES 2048

static void churn_write(int fd, const char* name)
{
	char block[64];
	memset(block, 'k', sizeof(block));
	size_t n = strlen(name);
	memcpy(block, name, n);
	block[n] = ' ';
	if(write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
		die("write");
}

static int churn(const char* dir)
{
	static int fds[CHURN_FILES];
	static char names[CHURN_FILES][32];
	char path[4096];
	char stop[4096];
	struct rlimit nofile;
	if(getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < CHURN_FILES + 64)
	{
		nofile.rlim_cur = nofile.rlim_max < CHURN_FILES + 64 ? nofile.rlim_max : CHURN_FILES + 64;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	for(int i = 0; i < CHURN_FILES; i++)
		fds[i] = -1;
	snprintf(stop, sizeof(stop), "%s/stop", dir);
	printf("pid pid=%d tid=%ld\n", getpid(), tid());
	uint64_t end = now_ns() + 120ull * 1000000000ull;
	long files = 0;
	long writes = 0;
	while(access(stop, F_OK) != 0 && now_ns() < end)
	{
		int slot = (int)(files % CHURN_FILES);
		if(fds[slot] >= 0)
			close(fds[slot]);
		/* two names per slot, so that no two open files share one */
		snprintf(names[slot], sizeof(names[slot]), "churn-%ld", files % (2 * CHURN_FILES));
		snprintf(path, sizeof(path), "%s/%s", dir, names[slot]);
		fds[slot] = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if(fds[slot] < 0)
			die("open");
		churn_write(fds[slot], names[slot]);
		writes++;
		usleep(200);
		int half = (slot + CHURN_FILES / 2) % CHURN_FILES;
		if(fds[half] >= 0)
		{
			churn_write(fds[half], names[half]);
			writes++;
		}
		files++;
	}
	printf("churn files=%ld writes=%ld\n", files, writes);
	return 0;
}

int main(int argc, char** argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if(argc == 3 && strcmp(argv[1], "mixed") == 0)
		return mixed(argv[2]);
	if(argc == 3 && strcmp(argv[1], "churn") == 0)
		return churn(argv[2]);
	fprintf(stderr, "usage: kindling_workload mixed|churn DIR\n");
	return 2;
}
