#pragma once
// `--backend none`: no models, no inference. For a node that only runs code
// (`--exec`).
#include "node/backends/backend.h"

namespace potluck::node {

class NullBackend final : public Backend {
 public:
  std::string_view name() const override { return "none"; }
  net::awaitable<std::expected<ModelList, std::string>> models(net::AbortHandle*) override;
  net::awaitable<BackendResult> run(const protocol::Job& job, const ChunkSink& sink,
                                    net::AbortHandle& abort, net::ReadGate& pace) override;
};

}  // namespace potluck::node
