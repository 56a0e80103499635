#pragma once
// What the node tells the supervisor inside the sandbox (JSON on fd 3), and
// what the supervisor reports back (JSON on fd 4). Both pass through pipes
// only: the source is never written outside the sandbox's tmpfs.
#include "protocol/exec.h"

#include <expected>
#include <string>
#include <vector>

namespace potluck::node::exec {

// Limits of one step (compile or run) inside the sandbox.
struct StepLimits {
  std::int64_t timeout_ms = 10'000;
  std::int64_t cpu_s = 10;
  std::int64_t memory_mb = 256;
  int processes = 64;
  std::int64_t file_size_mb = 16;
  int open_files = 128;
};

struct SandboxSpec {
  std::vector<protocol::ExecFile> files;  // written into the work directory first
  std::vector<std::string> compile;       // empty: nothing to compile
  StepLimits compile_limits;
  std::vector<std::string> run;
  StepLimits run_limits;
};

// The supervisor's last word. `phase` is where it stopped: "run" (the
// program ran), "compile" (the compiler failed), or "setup" (the sandbox
// could not be prepared; `error` says why, without content).
struct StepReport {
  std::string phase;
  protocol::ExecResult result;
  std::string error;
};

// The fds a supervisor uses besides stdin, stdout and stderr. The stop fd is
// the read end of a pipe the node closes to ask for the program to be
// stopped now (job cancelled, past its deadline, node draining): the
// supervisor then kills it, reaps it and reports as usual, CPU time included.
inline constexpr int kSpecFd = 3;
inline constexpr int kReportFd = 4;
inline constexpr int kStopFd = 5;

std::string encode_spec(const SandboxSpec& spec);
std::expected<SandboxSpec, std::string> decode_spec(std::string_view text);
std::string encode_report(const StepReport& report);
std::expected<StepReport, std::string> decode_report(std::string_view text);

}  // namespace potluck::node::exec
