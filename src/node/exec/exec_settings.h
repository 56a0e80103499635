#pragma once
// What a node's sandbox allows (the node's maximums; a job may ask for less
// time or memory) and how it isolates programs. Set by `potluck node --exec…`.
#include <cstdint>
#include <string>
#include <vector>

namespace potluck::node::exec {

struct SandboxLimits {
  std::int64_t timeout_ms = 10'000;   // wall clock of the run (CPU seconds follow it)
  std::int64_t memory_mb = 256;       // data + heap of each process (RLIMIT_DATA)
  int processes = 64;                 // tasks (processes and threads) in the sandbox
  std::int64_t file_size_mb = 16;     // largest file a program may write
  int open_files = 128;
  std::int64_t output_bytes = 1 << 20;  // stdout + stderr; past it: cut, flagged, stopped
  std::int64_t tmpfs_mb = 64;         // size of the work directory and of /tmp
};

// How programs are isolated: bubblewrap, the daemon's own namespaces, or
// bubblewrap when it is installed and namespaces otherwise.
enum class Isolation { automatic, bwrap, namespaces };

struct ExecSettings {
  bool enabled = false;
  std::vector<std::string> languages;  // empty: every installed one
  SandboxLimits max;
  Isolation isolation = Isolation::automatic;
  std::string potluck_binary;  // this program, re-run as `potluck sandbox-exec`; empty: /proc/self/exe
};

}  // namespace potluck::node::exec
