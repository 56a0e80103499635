#include "node/backends/mock_backend.h"

#include "node/backends/mock_embeddings.h"
#include "node/backends/mock_generator.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace potluck::node {
namespace asio = net::asio;

namespace {
constexpr std::int64_t kMockContext = 8192;
// Without pacing, yield to the loop this often so a long reply cannot starve
// the other jobs and the WebSocket reader.
constexpr std::size_t kYieldEvery = 64;
}  // namespace

MockBackend::MockBackend(asio::any_io_executor executor, std::vector<std::string> models)
    : executor_(std::move(executor)) {
  if (models.empty()) models.emplace_back("mock-small");
  for (auto& id : models) models_.push_back({std::move(id), kMockContext, "potluck-mock", {}, true});
}

net::awaitable<std::expected<ModelList, std::string>> MockBackend::models(net::AbortHandle*) {
  co_return models_;
}

net::awaitable<BackendResult> MockBackend::run(const protocol::Job& job, const ChunkSink& sink,
                                               net::AbortHandle& abort, net::ReadGate& pace) {
  if (job.kind == protocol::JobKind::exec)
    co_return std::unexpected(BackendError{protocol::ErrorCode::unsupported_kind, "this node does not run exec jobs", 0, true});
  if (job.kind == protocol::JobKind::embedding) co_return embed(job, sink);
  auto reply = mock::plan_reply(job.kind, job.payload);
  if (!reply) co_return std::unexpected(BackendError{protocol::ErrorCode::bad_request, reply.error(), 400, false});

  asio::steady_timer timer(executor_);
  abort.set([&timer] { timer.cancel(); });
  struct ClearOnExit {
    net::AbortHandle& abort;
    ~ClearOnExit() { abort.clear(); }
  } clear_on_exit{abort};

  std::int64_t emitted = 0;
  std::size_t sent = 0;
  for (auto& chunk : mock::reply_chunks(job.kind, *reply)) {
    if (abort.aborted()) break;
    if (sent > 0) {
      if (reply->delay.count() > 0) {
        timer.expires_after(reply->delay);
        net::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (abort.aborted()) break;
      } else if (sent % kYieldEvery == 0) {
        co_await asio::post(executor_, asio::use_awaitable);
        if (abort.aborted()) break;
      }
    }
    co_await pace.wait_open();
    if (abort.aborted()) break;
    const bool is_word = chunk.finish_reason.empty() &&
                         !(sent == 0 && job.kind == protocol::JobKind::chat);
    sink(protocol::Chunk{.index = chunk.index, .delta = std::move(chunk.delta), .finish_reason = std::move(chunk.finish_reason)});
    ++sent;
    if (is_word) ++emitted;
  }
  if (abort.aborted())
    co_return std::unexpected(BackendError{protocol::ErrorCode::cancelled, "job aborted", 0, false});
  co_return protocol::Usage{reply->prompt_tokens, emitted};
}

BackendResult MockBackend::embed(const protocol::Job& job, const ChunkSink& sink) {
  auto planned = mock::plan_embeddings(job.payload);
  if (!planned) return std::unexpected(BackendError{protocol::ErrorCode::bad_request, planned.error(), 400, false});
  for (std::size_t i = 0; i < planned->vectors.size(); ++i)
    sink(protocol::Chunk{.index = static_cast<int>(i), .delta = R"({"embedding":)" + planned->vectors[i] + "}"});
  return protocol::Usage{planned->prompt_tokens, 0};
}

}  // namespace potluck::node
