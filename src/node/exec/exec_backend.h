#pragma once
// Exec jobs as a backend: the job's payload is the consumer's POST /v1/exec
// body; output goes out as chunks {"stream","data"} and the result in `done`.
#include "node/backends/backend.h"
#include "node/exec/exec_runner.h"

namespace potluck::node::exec {

class ExecBackend final : public Backend {
 public:
  explicit ExecBackend(std::unique_ptr<ExecRunner> runner) : runner_(std::move(runner)) {}

  std::string_view name() const override { return "exec"; }
  net::awaitable<std::expected<ModelList, std::string>> models(net::AbortHandle*) override;
  net::awaitable<BackendResult> run(const protocol::Job& job, const ChunkSink& sink,
                                    net::AbortHandle& abort, net::ReadGate& pace) override;

  const ExecRunner& runner() const { return *runner_; }

 private:
  std::unique_ptr<ExecRunner> runner_;
};

}  // namespace potluck::node::exec
