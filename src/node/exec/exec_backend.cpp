#include "node/exec/exec_backend.h"

namespace potluck::node::exec {

net::awaitable<std::expected<ModelList, std::string>> ExecBackend::models(net::AbortHandle*) {
  co_return ModelList{};
}

net::awaitable<BackendResult> ExecBackend::run(const protocol::Job& job, const ChunkSink& sink,
                                               net::AbortHandle& abort, net::ReadGate&) {
  if (job.kind != protocol::JobKind::exec)
    co_return std::unexpected(BackendError{protocol::ErrorCode::unsupported_kind, "this backend runs exec jobs only", 0, true});
  auto request = protocol::parse_exec_request(job.payload);
  if (!request) co_return std::unexpected(BackendError{protocol::ErrorCode::bad_request, request.error(), 400, false});
  const OutputSink output = [&sink](std::string_view stream, std::string data) {
    sink(protocol::Chunk{.delta = protocol::encode_exec_output(stream, data)});
  };
  auto result = co_await runner_->run(*request, output, abort);
  if (!result) co_return std::unexpected(result.error());
  JobResult done;
  done.exec = *result;
  co_return done;
}

}  // namespace potluck::node::exec
