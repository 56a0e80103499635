#pragma once
// Isolation without bubblewrap: new user, mount, pid, network, IPC, UTS and
// cgroup namespaces made by this process, the layout mounted on a fresh
// tmpfs root, pivot_root into it, and the old root detached.
#include "node/exec/sandbox_layout.h"

#include <functional>

namespace potluck::node::exec {

// Runs `inside` as PID 1 of the new namespaces and returns its exit status
// (128 + signal if it was killed). Setup failures are reported on the
// supervisor's report fd.
int run_in_namespaces(const std::vector<Mount>& layout, const std::function<int()>& inside);

}  // namespace potluck::node::exec
