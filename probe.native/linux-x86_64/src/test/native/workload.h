// A workload the live check runs in a child process and that logs what it did, so that the
// events libsinsp reads can be compared with it.
#pragma once

#include <string>
#include <vector>

namespace live_check {

struct workload_log {
    int pid = 0;
    std::string dir;             // a fresh directory under /tmp
    std::string file;            // written then read back
    long file_bytes = 0;         // bytes written, then read
    int tcp_server_port = 0;     // loopback TCP: the listening port
    long tcp_request_bytes = 0;  // client -> server
    long tcp_reply_bytes = 0;    // server -> client
    int udp_server_port = 0;     // loopback UDP exchange
    long udp_bytes = 0;
    int thread_tid = 0;  // a thread that waits on a futex
};

// Forks the workload; it starts after start_delay_ms and writes its log into a pipe whose reading
// end is put in *log_read_fd, for read_workload_log(). Returns the child's pid, -1 without a pipe.
int start_workload(int start_delay_ms, int* log_read_fd);
bool read_workload_log(int log_fd, workload_log* log);

}  // namespace live_check
