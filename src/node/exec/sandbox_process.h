#pragma once
// The node's side of one sandboxed run: starts `potluck sandbox-exec` in its
// own process group with pipes for stdin, stdout, stderr, the spec, the
// report and the stop request, feeds stdin and the spec, and relays the
// output as it comes (valid UTF-8, cut at the output limit). When the job is
// aborted or the output limit is passed it asks the supervisor to stop the
// program (closes the stop pipe), so the report still comes with the CPU
// time; it kills the whole group when that takes longer than kSandboxStopGrace or
// the guard time runs out.
#include "net/asio_fwd.h"
#include "net/http_client.h"
#include "node/exec/exec_settings.h"
#include "node/exec/sandbox_spec.h"

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <string_view>

namespace potluck::node::exec {

// How long the supervisor has, once asked to stop, to kill and reap the
// program and report before the node kills the whole group itself.
inline constexpr std::chrono::milliseconds kSandboxStopGrace{500};

struct SandboxCommand {
  std::string potluck_binary;  // run as `<binary> sandbox-exec`
  Isolation isolation = Isolation::namespaces;  // bwrap or namespaces (resolved)
  std::int64_t tmpfs_mb = 64;
};

struct SandboxInput {
  std::string spec;        // encode_spec()
  std::string stdin_data;  // the program's stdin
  std::chrono::milliseconds guard{60'000};  // the whole run, compile included; then killed
  std::int64_t output_limit = 1 << 20;      // stdout + stderr bytes
};

// stream is "stdout" or "stderr"; data is valid UTF-8.
using OutputSink = std::function<void(std::string_view stream, std::string data)>;

struct SandboxOutcome {
  StepReport report;
  bool truncated = false;   // the output limit was passed
  bool guard_fired = false; // killed by the node's guard timer
  bool aborted = false;     // stopped because the job was aborted
};
// When the sandbox had to be killed before it reported, `report` has phase
// "run" and only cpu_ms: the CPU of the processes still alive under the
// helper (process_tree_cpu.h), the sandbox's own included.

// The error is about the node (cannot spawn, no report), never the program.
net::awaitable<std::expected<SandboxOutcome, std::string>> run_sandbox(const SandboxCommand& command,
                                                                      const SandboxInput& input,
                                                                      const OutputSink& sink,
                                                                      net::AbortHandle& abort);

std::string_view to_string(Isolation isolation);

}  // namespace potluck::node::exec
