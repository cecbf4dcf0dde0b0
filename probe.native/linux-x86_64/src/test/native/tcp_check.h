// Kernel TCP events against a loopback TCP workload: see tcp_check.cpp.
#pragma once

namespace live_check {

// Returns the number of failed checks, or -1 when the source could not start (skip).
int run_tcp_check(void (*check)(bool, const std::string&));

}  // namespace live_check
