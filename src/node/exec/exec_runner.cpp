#include "node/exec/exec_runner.h"

#include "common/log.h"
#include "node/exec/bwrap_isolation.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>

namespace potluck::node::exec {
namespace {

// Compilers get room of their own: the request's limits are for the program.
StepLimits compile_limits(const SandboxLimits& max) {
  return {30'000, 30, std::max<std::int64_t>(1024, max.memory_mb), std::max(64, max.processes), 64,
          std::max(256, max.open_files)};
}

std::int64_t within(std::int64_t asked, std::int64_t max) { return asked > 0 ? std::min(asked, max) : max; }

std::chrono::milliseconds guard_time(const SandboxSpec& spec) {
  auto total = spec.run_limits.timeout_ms + 5'000;
  if (!spec.compile.empty()) total += spec.compile_limits.timeout_ms;
  return std::chrono::milliseconds(total);
}

// Runs a trivial program in `command`'s sandbox, synchronously.
std::expected<void, std::string> probe(const SandboxCommand& command) {
  std::string true_path;
  for (const char* candidate : {"/usr/bin/true", "/bin/true"})
    if (std::filesystem::exists(candidate)) {
      true_path = std::filesystem::canonical(candidate).string();
      break;
    }
  if (true_path.empty()) return std::unexpected("no 'true' program to check the sandbox with");
  SandboxSpec spec;
  spec.run = {true_path};
  SandboxInput input{encode_spec(spec), {}, std::chrono::milliseconds(20'000), 4096};
  net::asio::io_context io;
  std::expected<SandboxOutcome, std::string> outcome = std::unexpected("the check did not finish");
  net::AbortHandle abort;
  const OutputSink ignore = [](std::string_view, std::string) {};
  net::asio::co_spawn(io, run_sandbox(command, input, ignore, abort),
                      [&outcome](std::exception_ptr error, std::expected<SandboxOutcome, std::string> result) {
                        if (!error) outcome = std::move(result);
                      });
  io.run();
  if (!outcome) return std::unexpected(outcome.error());
  if (outcome->report.phase == "setup") return std::unexpected(outcome->report.error);
  if (outcome->report.result.exit_code != 0) return std::unexpected("a trivial program failed in the sandbox");
  return {};
}

std::expected<SandboxCommand, std::string> choose_isolation(const ExecSettings& settings) {
  SandboxCommand command{settings.potluck_binary, Isolation::namespaces, settings.max.tmpfs_mb};
  if (command.potluck_binary.empty()) command.potluck_binary = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<Isolation> candidates;
  if (settings.isolation == Isolation::automatic) {
    if (find_bwrap()) candidates.push_back(Isolation::bwrap);
    candidates.push_back(Isolation::namespaces);
  } else {
    candidates.push_back(settings.isolation);
  }
  std::string reasons;
  for (auto isolation : candidates) {
    command.isolation = isolation;
    auto checked = probe(command);
    if (checked) return command;
    spdlog::warn("exec sandbox with {} does not work here: {}", to_string(isolation), checked.error());
    reasons += std::string(reasons.empty() ? "" : "; ") + std::string(to_string(isolation)) + ": " + checked.error();
  }
  return std::unexpected("no working sandbox (" + reasons + ")");
}

}  // namespace

SandboxSpec build_spec(const protocol::ExecRequest& request, const Language& language, const SandboxLimits& max) {
  SandboxSpec spec;
  spec.files = request.files;
  if (!request.source.empty()) spec.files.push_back({language.source_file, request.source});
  spec.compile = language.compile;
  spec.compile_limits = compile_limits(max);
  spec.run = language.run;
  spec.run.insert(spec.run.end(), request.args.begin(), request.args.end());
  auto& l = spec.run_limits;
  l.timeout_ms = within(request.timeout_ms, max.timeout_ms);
  l.cpu_s = (l.timeout_ms + 999) / 1000;
  l.memory_mb = within(request.memory_mb, max.memory_mb);
  l.processes = max.processes;
  l.file_size_mb = max.file_size_mb;
  l.open_files = max.open_files;
  return spec;
}

std::expected<std::unique_ptr<ExecRunner>, std::string> ExecRunner::create(const ExecSettings& settings) {
  for (const auto& name : settings.languages)
    if (!protocol::is_known_language(name))
      return std::unexpected("unknown language '" + name + "' in --exec-languages");
  auto languages = detect_languages(settings.languages);
  if (languages.empty()) return std::unexpected("none of the requested languages has its toolchain installed");
  auto command = choose_isolation(settings);
  if (!command) return std::unexpected(command.error());
  return std::unique_ptr<ExecRunner>(new ExecRunner(std::move(languages), std::move(*command), settings.max));
}

std::vector<std::string> ExecRunner::language_names() const {
  std::vector<std::string> names;
  for (const auto& l : languages_) names.push_back(l.name);
  return names;
}

net::awaitable<std::expected<protocol::ExecResult, BackendError>> ExecRunner::run(
    const protocol::ExecRequest& request, const OutputSink& sink, net::AbortHandle& abort) const {
  const auto language = std::find_if(languages_.begin(), languages_.end(),
                                     [&](const Language& l) { return l.name == request.language; });
  if (language == languages_.end())
    co_return std::unexpected(BackendError{protocol::ErrorCode::unsupported_language, "this node does not run that language", 0, true});
  const auto spec = build_spec(request, *language, limits_);
  const SandboxInput input{encode_spec(spec), request.stdin_data, guard_time(spec), limits_.output_bytes};
  auto outcome = co_await run_sandbox(command_, input, sink, abort);
  if (!outcome) {
    spdlog::warn("exec sandbox failed: {}", outcome.error());
    co_return std::unexpected(BackendError{protocol::ErrorCode::sandbox_error, "the node's sandbox failed", 0, true});
  }
  // The caller reports why it stopped the job; what it needs from here is the CPU used.
  if (outcome->aborted)
    co_return std::unexpected(BackendError{protocol::ErrorCode::cancelled, "job aborted", 0, false, outcome->report.result.cpu_ms});
  if (outcome->report.phase == "setup") {
    spdlog::warn("exec sandbox could not be prepared: {}", outcome->report.error);
    co_return std::unexpected(BackendError{protocol::ErrorCode::sandbox_error, "the node's sandbox could not be prepared", 0, true});
  }
  auto result = outcome->report.result;
  result.truncated = outcome->truncated;
  if (outcome->guard_fired) result.timed_out = true;
  if ((outcome->guard_fired || outcome->truncated) && result.signal == 0 && result.exit_code < 0)
    result.signal = SIGKILL;
  co_return result;
}

}  // namespace potluck::node::exec
