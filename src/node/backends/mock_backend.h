#pragma once
// Deterministic local generator for demos and tests (no engine needed): chat
// and completion replies (mock_generator.h) and embeddings (mock_embeddings.h).
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
  // An embedding job: one chunk per input, all at once (no pacing: a vector is small).
  static BackendResult embed(const protocol::Job& job, const ChunkSink& sink);
  net::asio::any_io_executor executor_;
  ModelList models_;
};

}  // namespace potluck::node
