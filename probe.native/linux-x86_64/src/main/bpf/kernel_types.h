/* The few kernel structures the probe reads, by field name only. Every record carries
 * preserve_access_index: clang emits CO-RE relocations and libbpf moves each access to the
 * running kernel's offset (from /sys/kernel/btf/vmlinux) when the object loads. The build
 * therefore needs no kernel headers and no BTF of the build machine. Only the fields used are
 * declared; their order and the padding here mean nothing. */
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
    unsigned long r10;
    unsigned long r9;
    unsigned long r8;
    unsigned long ax;
    unsigned long dx;
    unsigned long si;
    unsigned long di;
    unsigned long orig_ax;
};

typedef struct {
    u32 val;
} kuid_t;
typedef struct {
    u32 val;
} kgid_t;

struct cred {
    kuid_t euid;
    kgid_t egid;
};

struct pid_namespace;

struct upid {
    int nr;
    struct pid_namespace* ns;
};

struct pid {
    unsigned int level;
    struct upid numbers[1];
};

struct rlimit {
    unsigned long rlim_cur;
    unsigned long rlim_max;
};

struct signal_struct {
    struct rlimit rlim[16];
    struct pid* pids[4];
};

struct percpu_counter {
    s64 count;
};

/* Before 6.2 the rss counters were atomics in a struct of their own. */
typedef struct {
    long counter;
} atomic_long_t;
struct mm_rss_stat {
    atomic_long_t count[4];
};
struct mm_struct___pre62 {
    struct mm_rss_stat rss_stat;
};

struct mm_struct {
    unsigned long total_vm;
    unsigned long arg_start;
    unsigned long arg_end;
    unsigned long env_start;
    unsigned long env_end;
    struct percpu_counter rss_stat[4];
};

struct super_block {
    u32 s_dev;
};

struct inode {
    unsigned short i_mode;
    unsigned long i_ino;
    struct super_block* i_sb;
};

struct file {
    struct inode* f_inode;
    void* private_data;
    unsigned int f_flags;
};

struct fdtable {
    unsigned int max_fds;
    struct file** fd;
};

struct files_struct {
    struct fdtable* fdt;
};

struct kernfs_node {
    struct kernfs_node* parent; /* renamed __parent in 6.15 */
    const char* name;
};

struct kernfs_node___615 {
    struct kernfs_node* __parent;
};

struct cgroup {
    struct kernfs_node* kn;
};

struct cgroup_subsys {
    const char* name;
};

struct cgroup_subsys_state {
    struct cgroup* cgroup;
    struct cgroup_subsys* ss;
};

struct css_set {
    struct cgroup_subsys_state* subsys[12];
};

struct thread_info {
    u32 status;
};

struct task_struct {
    struct thread_info thread_info;
    int pid;
    int tgid;
    int exit_code;
    unsigned long min_flt;
    unsigned long maj_flt;
    struct task_struct* real_parent;
    struct task_struct* group_leader;
    struct mm_struct* mm;
    struct files_struct* files;
    struct signal_struct* signal;
    const struct cred* cred;
    struct pid* thread_pid;
    kuid_t loginuid;
    char comm[16];
    struct css_set* cgroups;
};

struct socket {
    short type;
    struct sock* sk;
};

struct in6_addr {
    u8 s6_addr[16];
};

struct sock_common {
    u32 skc_daddr;
    u32 skc_rcv_saddr;
    u16 skc_dport;
    u16 skc_num;
    unsigned short skc_family;
    struct in6_addr skc_v6_daddr;
    struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
    struct sock_common __sk_common;
    u32 sk_ack_backlog;
    u32 sk_max_ack_backlog;
    u16 sk_protocol;
    u16 sk_type;
};

struct tcp_sock {
    u32 srtt_us;
    u32 total_retrans;
};

struct sk_buff {
    unsigned char* head;
    u16 transport_header;
    u16 network_header;
};

struct ipv6_pinfo {
    struct in6_addr saddr;
};

struct inet_sock {
    struct sock sk;
    struct ipv6_pinfo* pinet6;
    u32 inet_saddr;
    u16 inet_sport;
};

struct sockaddr_un {
    unsigned short sun_family;
    char sun_path[108];
};

struct unix_address {
    int len;
    struct sockaddr_un name[1];
};

struct unix_sock {
    struct sock sk;
    struct unix_address* addr;
    struct sock* peer;
};

#pragma clang attribute pop

/* User-space structures: plain layouts of the x86-64 ABI, no relocation. */
struct iovec_u {
    u64 base;
    u64 len;
};

struct msghdr_u {
    u64 msg_name;
    u32 msg_namelen;
    u32 pad0;
    u64 msg_iov;
    u64 msg_iovlen;
    u64 msg_control;
    u64 msg_controllen;
    u32 msg_flags;
};

/* struct mmsghdr of sendmmsg/recvmmsg: one message and the bytes the call moved for it. */
struct mmsghdr_u {
    struct msghdr_u msg_hdr;
    u32 msg_len;
    u32 pad1;
};

struct pollfd_u {
    s32 fd;
    s16 events;
    s16 revents;
};

struct timespec_u {
    s64 tv_sec;
    s64 tv_nsec;
};

#define AF_UNIX_K       1
#define AF_INET_K       2
#define AF_INET6_K      10
#define S_IFMT_K        0170000
#define S_IFSOCK_K      0140000
#define RLIMIT_NOFILE_K 7
#define PIDTYPE_PGID_K  2
#define PAGE_SHIFT_K    12
#define MM_FILEPAGES_K  0
#define MM_ANONPAGES_K  1
#define MM_SWAPENTS_K   2
#define MM_SHMEMPAGES_K 3
#define EINPROGRESS_K   115
#define TS_COMPAT_K     0x0002 /* x86: a 32-bit syscall is running */
