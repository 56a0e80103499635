#include "node/backends/backend.h"

#include "node/backends/mock_backend.h"
#include "node/backends/null_backend.h"
#include "node/backends/openai_backend.h"
#include "node/daemon.h"

namespace potluck::node {

std::expected<std::unique_ptr<Backend>, std::string> make_backend(const NodeConfig& config,
                                                                  net::asio::any_io_executor executor) {
  if (config.backend == "none") return std::make_unique<NullBackend>();
  if (config.backend == "mock") return std::make_unique<MockBackend>(std::move(executor), config.models);
  if (config.backend == "openai") {
    if (config.upstream_url.empty()) return std::unexpected("the openai backend needs an upstream URL");
    auto backend = OpenAiBackend::create(std::move(executor), config.upstream_url, config.models,
                                         {ModelNames(config.embedding_models), ModelNames(config.responses_models)},
                                         config.upstream_ca_file);
    if (!backend) return std::unexpected(backend.error());
    return std::unique_ptr<Backend>(std::move(*backend));
  }
  return std::unexpected("unknown backend '" + config.backend + "' (expected openai, mock or none)");
}

}  // namespace potluck::node
