#include "node/backends/null_backend.h"

namespace potluck::node {

net::awaitable<std::expected<ModelList, std::string>> NullBackend::models(net::AbortHandle*) {
  co_return ModelList{};
}

net::awaitable<BackendResult> NullBackend::run(const protocol::Job&, const ChunkSink&, net::AbortHandle&, net::ReadGate&) {
  co_return std::unexpected(BackendError{protocol::ErrorCode::unsupported_kind, "this node runs no inference backend", 0, true});
}

}  // namespace potluck::node
