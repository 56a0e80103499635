#pragma once
// The file system a sandboxed program sees, described once and built by
// either isolation (bubblewrap arguments or our own mount calls): system
// directories read-only, a fresh tmpfs as the work directory and /tmp, a
// minimal /dev, its own /proc, and from /etc only what the dynamic loader
// needs. Nothing else of the host: no home, no state dir, no token.
#include <cstdint>
#include <string>
#include <vector>

namespace potluck::node::exec {

inline constexpr std::string_view kWorkDir = "/work";

struct Mount {
  enum class Kind { read_only, symlink, tmpfs, proc, dev };
  Kind kind;
  std::string source;  // read_only: host path; symlink: link text
  std::string target;  // path inside the sandbox
  std::int64_t size_bytes = 0;  // tmpfs
};

// Only paths that exist on this host are listed.
std::vector<Mount> sandbox_layout(std::int64_t tmpfs_mb);

// The device nodes bound into the sandbox's /dev.
const std::vector<std::string>& sandbox_devices();

}  // namespace potluck::node::exec
