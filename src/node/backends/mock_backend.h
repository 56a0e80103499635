#pragma once
// Deterministic local generator for demos and tests (no engine needed).
#include "node/backends/backend.h"

namespace potluck::node {

class MockBackend final : public Backend {
 public:
  // `models` empty means {"mock-small"}.
  MockBackend(net::asio::any_io_executor executor, std::vector<std::string> models);

  std::string_view name() const override { return "mock"; }
  net::awaitable<std::expected<ModelList, std::string>> models(net::AbortHandle* abort) override;
  net::awaitable<BackendResult> run(const protocol::Job& job, const ChunkSink& sink,
                                    net::AbortHandle& abort, net::ReadGate& pace) override;

 private:
  net::asio::any_io_executor executor_;
  ModelList models_;
};

}  // namespace potluck::node
