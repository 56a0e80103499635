#pragma once
// The CPU time a process and everything below it used so far, read from
// /proc. The node's last resort for a sandbox it has to kill before the
// supervisor reported: the report (wait4 inside the sandbox) is exact, this
// is what the daemon can still see from outside.
#include <cstdint>
#include <sys/types.h>
#include <vector>

namespace potluck::node::exec {

// User + system CPU, in ms, of `root` and its live descendants, each with
// the CPU of the children it already reaped (so nothing is counted twice).
// Processes that exited unreaped by anyone in the tree are not counted; 0
// when `root` is gone.
std::int64_t process_tree_cpu_ms(pid_t root);

// `root` and its live descendants, root first; empty when `root` is gone.
std::vector<pid_t> process_tree(pid_t root);

}  // namespace potluck::node::exec
