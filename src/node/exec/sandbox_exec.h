#pragma once
// `potluck sandbox-exec`: the helper the node starts for every exec job,
// with the program's stdin, stdout and stderr on fds 0-2, the spec on fd 3,
// the report on fd 4 and the stop pipe on fd 5. Outside the sandbox it leaves root, then builds
// the sandbox (bubblewrap or its own namespaces); inside (`--inside`) it is
// the supervisor.
#include <cstdint>
#include <string>

namespace potluck::node::exec {

struct SandboxExecOptions {
  std::string isolation;  // "bwrap", "namespaces" or "inside"
  std::int64_t tmpfs_mb = 64;
};

int sandbox_exec_main(const SandboxExecOptions& options);

}  // namespace potluck::node::exec
