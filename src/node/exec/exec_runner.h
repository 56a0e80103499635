#pragma once
// Runs consumers' programs on this node: knows the installed languages and
// the isolation that works here (checked once at start-up by running a
// trivial program), turns a request into a sandbox spec within the node's
// limits, and the sandbox's report into the result.
#include "node/backends/backend.h"
#include "node/exec/exec_settings.h"
#include "node/exec/languages.h"
#include "node/exec/sandbox_process.h"
#include "protocol/exec.h"

#include <expected>
#include <memory>
#include <string>
#include <vector>

namespace potluck::node::exec {

class ExecRunner {
 public:
  // Detects the languages and picks and checks the isolation. Blocks for the
  // check (a fraction of a second); the error says what the host lacks.
  static std::expected<std::unique_ptr<ExecRunner>, std::string> create(const ExecSettings& settings);

  const std::vector<Language>& languages() const { return languages_; }
  std::vector<std::string> language_names() const;
  Isolation isolation() const { return command_.isolation; }
  const SandboxLimits& limits() const { return limits_; }

  // Output goes to `sink` as it is produced. Errors are the node's (no
  // sandbox, unknown language), never the program's: those are results.
  net::awaitable<std::expected<protocol::ExecResult, BackendError>> run(const protocol::ExecRequest& request,
                                                                        const OutputSink& sink,
                                                                        net::AbortHandle& abort) const;

 private:
  ExecRunner(std::vector<Language> languages, SandboxCommand command, SandboxLimits limits)
      : languages_(std::move(languages)), command_(std::move(command)), limits_(limits) {}

  std::vector<Language> languages_;
  SandboxCommand command_;
  SandboxLimits limits_;
};

// The spec for `request` in `language` within `max` (exposed for tests).
SandboxSpec build_spec(const protocol::ExecRequest& request, const Language& language, const SandboxLimits& max);

}  // namespace potluck::node::exec
