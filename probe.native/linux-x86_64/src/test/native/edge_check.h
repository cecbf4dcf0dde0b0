// The live source at its edges (large I/O, poll on many descriptors, a corrupted udig ring): see
// edge_check.cpp.
#pragma once

#include <string>

namespace live_check {

// Returns 0, or -1 when the source could not start (skip).
int run_edge_check(void (*check)(bool, const std::string&));

}  // namespace live_check
