// A job's frames: numbered chunks, then exactly one done or error, with
// retryable cleared once anything reached the consumer.
#include "node/backends/mock_backend.h"
#include "node/running_job.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace node = potluck::node;
namespace protocol = potluck::protocol;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Emits `chunks` chunks, then fails with `error` (or succeeds when it is empty).
class ScriptedBackend final : public node::Backend {
 public:
  int chunks = 0;
  std::optional<node::BackendError> error;

  std::string_view name() const override { return "scripted"; }
  asio::awaitable<std::expected<node::ModelList, std::string>> models(potluck::net::AbortHandle*) override {
    co_return node::ModelList{};
  }
  asio::awaitable<node::BackendResult> run(const protocol::Job&, const node::ChunkSink& sink,
                                           potluck::net::AbortHandle&, potluck::net::ReadGate&) override {
    for (int i = 0; i < chunks; ++i) sink(protocol::Chunk{.delta = R"({"content":"x"})", .finish_reason = i + 1 == chunks && !error ? "stop" : ""});
    if (error) co_return std::unexpected(*error);
    co_return protocol::Usage{3, chunks};
  }
};

// Runs until aborted, then answers as the exec backend does: with the CPU its
// program used until the stop.
class MeteredBackend final : public node::Backend {
 public:
  static constexpr std::int64_t kCpuMs = 1830;

  std::string_view name() const override { return "metered"; }
  asio::awaitable<std::expected<node::ModelList, std::string>> models(potluck::net::AbortHandle*) override {
    co_return node::ModelList{};
  }
  asio::awaitable<node::BackendResult> run(const protocol::Job&, const node::ChunkSink&,
                                           potluck::net::AbortHandle& abort, potluck::net::ReadGate&) override {
    asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::steady_clock::time_point::max());
    abort.set([&forever] { forever.cancel(); });
    boost::system::error_code ec;
    co_await forever.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    abort.clear();
    co_return std::unexpected(node::BackendError{protocol::ErrorCode::cancelled, "job aborted", 0, false, kCpuMs});
  }
};

struct Harness {
  asio::io_context io;
  std::vector<json::object> frames;
  std::int64_t chunk_cost = 0;  // what the chunks sent cost against a window

  std::shared_ptr<node::RunningJob> start(node::Backend& backend, std::string payload = "{}",
                                          std::int64_t deadline_ms = 0, std::int64_t window = 0) {
    protocol::Job job{"job_1", protocol::JobKind::chat, "mock-small", deadline_ms, std::move(payload)};
    auto running = std::make_shared<node::RunningJob>(io.get_executor(), std::move(job), window);
    node::FrameSender send = [this](std::string frame) {
      auto decoded = protocol::decode(frame);
      if (auto* chunk = decoded ? std::get_if<protocol::Chunk>(&*decoded) : nullptr)
        chunk_cost += protocol::flow_cost(*chunk);
      frames.push_back(json::parse(frame).as_object());
    };
    asio::co_spawn(io, node::RunningJob::run(running, backend, std::move(send)), asio::detached);
    return running;
  }
};

}  // namespace

TEST(NodeRunningJob, ChunksAreNumberedAndEndWithDone) {
  Harness h;
  ScriptedBackend backend;
  backend.chunks = 3;
  h.start(backend);
  h.io.run();
  ASSERT_EQ(h.frames.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h.frames[i]["type"], "chunk");
    EXPECT_EQ(h.frames[i]["id"], "job_1");
    EXPECT_EQ(h.frames[i]["seq"], i);
  }
  EXPECT_EQ(h.frames[2]["finish_reason"], "stop");
  EXPECT_EQ(h.frames[3]["type"], "done");
  EXPECT_EQ(h.frames[3]["usage"].as_object()["completion_tokens"], 3);
}

TEST(NodeRunningJob, UpstreamFailureBeforeAnyChunkIsRetryable) {
  Harness h;
  ScriptedBackend backend;
  backend.error = node::BackendError{protocol::ErrorCode::upstream_error, "upstream answered 503", 503, true};
  h.start(backend);
  h.io.run();
  ASSERT_EQ(h.frames.size(), 1u);
  EXPECT_EQ(h.frames[0]["type"], "error");
  EXPECT_EQ(h.frames[0]["code"], "upstream_error");
  EXPECT_EQ(h.frames[0]["status"], 503);
  EXPECT_EQ(h.frames[0]["retryable"], true);
}

TEST(NodeRunningJob, FailureAfterAChunkIsNotRetryable) {
  Harness h;
  ScriptedBackend backend;
  backend.chunks = 1;
  backend.error = node::BackendError{protocol::ErrorCode::upstream_error, "upstream stream broke", 0, true};
  h.start(backend);
  h.io.run();
  ASSERT_EQ(h.frames.size(), 2u);
  EXPECT_EQ(h.frames[1]["type"], "error");
  EXPECT_EQ(h.frames[1]["retryable"], false);
}

TEST(NodeRunningJob, CancelEndsWithOneCancelledError) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {});
  auto job = h.start(backend, R"({"messages":[],"mock_delay_ms":20})");
  asio::steady_timer timer(h.io, std::chrono::milliseconds(50));
  timer.async_wait([&](boost::system::error_code) { job->stop(node::StopReason::cancelled); });
  h.io.run();
  ASSERT_GE(h.frames.size(), 2u);
  EXPECT_LT(h.frames.size(), 10u);
  EXPECT_EQ(h.frames.back()["type"], "error");
  EXPECT_EQ(h.frames.back()["code"], "cancelled");
  for (std::size_t i = 0; i + 1 < h.frames.size(); ++i) EXPECT_EQ(h.frames[i]["type"], "chunk");
}

TEST(NodeRunningJob, EveryStopCarriesTheCpuTheBackendMeasured) {
  for (auto [why, code] : {std::pair{node::StopReason::cancelled, "cancelled"},
                           std::pair{node::StopReason::timeout, "timeout"},
                           std::pair{node::StopReason::shutdown, "draining"}}) {
    Harness h;
    MeteredBackend backend;
    auto job = h.start(backend);
    asio::post(h.io, [job, why] { job->stop(why); });
    h.io.run();
    ASSERT_EQ(h.frames.size(), 1u) << code;
    EXPECT_EQ(h.frames[0]["type"], "error");
    EXPECT_EQ(h.frames[0]["code"], code);
    EXPECT_EQ(h.frames[0]["cpu_ms"], MeteredBackend::kCpuMs) << code;
  }
}

TEST(NodeRunningJob, FailuresAndUnmeteredStopsCarryNoCpu) {
  Harness h;
  ScriptedBackend failing;
  failing.error = node::BackendError{protocol::ErrorCode::sandbox_error, "the node's sandbox failed", 0, true, 7};
  h.start(failing);
  h.io.run();
  ASSERT_EQ(h.frames.size(), 1u);
  EXPECT_EQ(h.frames[0]["code"], "sandbox_error");
  EXPECT_FALSE(h.frames[0].contains("cpu_ms")) << "not a stop: the consumer is not charged";

  Harness chat;
  node::MockBackend mock(chat.io.get_executor(), {});
  auto job = chat.start(mock, R"({"messages":[],"mock_delay_ms":20})");
  asio::post(chat.io, [job] { job->stop(node::StopReason::cancelled); });
  chat.io.run();
  ASSERT_FALSE(chat.frames.empty());
  EXPECT_EQ(chat.frames.back()["code"], "cancelled");
  EXPECT_FALSE(chat.frames.back().contains("cpu_ms"));
}

TEST(NodeRunningJob, DeadlineEndsWithTimeout) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {});
  h.start(backend, R"({"messages":[],"mock_delay_ms":20})", 50);
  h.io.run();
  ASSERT_FALSE(h.frames.empty());
  EXPECT_EQ(h.frames.back()["code"], "timeout");
  EXPECT_EQ(h.frames.back()["retryable"], false);
}

TEST(NodeRunningJob, NothingIsSentOnceTheConnectionIsGone) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {});
  auto job = h.start(backend, R"({"messages":[],"mock_delay_ms":20})");
  asio::post(h.io, [&] { job->stop(node::StopReason::disconnected); });
  h.io.run();
  for (const auto& frame : h.frames) EXPECT_EQ(frame.at("type"), "chunk");
}

TEST(NodeRunningJob, MockJobUsageCountsWords) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {});
  h.start(backend, R"({"messages":[{"role":"user","content":"one two three"}],"max_tokens":4})");
  h.io.run();
  ASSERT_EQ(h.frames.size(), 7u);  // role, 4 words, finish, done
  EXPECT_EQ(h.frames[5]["finish_reason"], "length");
  auto usage = h.frames[6]["usage"].as_object();
  EXPECT_EQ(usage["prompt_tokens"], 3);
  EXPECT_EQ(usage["completion_tokens"], 4);
}

namespace {
// Runs what is ready without waiting for timers: a paused job waits for
// credit, which only the test gives.
void run_ready(asio::io_context& io) {
  io.restart();
  while (io.poll() > 0) {
  }
}

std::size_t count_type(const std::vector<json::object>& frames, std::string_view type) {
  return static_cast<std::size_t>(
      std::count_if(frames.begin(), frames.end(), [&](const json::object& f) { return f.at("type").as_string() == type; }));
}
}  // namespace

TEST(NodeRunningJob, AWindowPausesOutputUntilCreditArrives) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {"mock-small"});
  constexpr std::int64_t kWindow = 4096;
  auto job = h.start(backend, R"({"messages":[{"role":"user","content":"hi"}],"mock_tokens":2000})", 0, kWindow);
  run_ready(h.io);
  // Paused once the window was spent: the last chunk took it to zero or below.
  EXPECT_GE(h.chunk_cost, kWindow);
  EXPECT_LT(h.chunk_cost, kWindow + 256);
  EXPECT_EQ(count_type(h.frames, "done"), 0u);
  EXPECT_LE(job->window(), 0);

  const std::int64_t before = h.chunk_cost;
  const std::int64_t left = job->window();
  job->grant(kWindow);
  run_ready(h.io);
  EXPECT_GE(h.chunk_cost - before, left + kWindow);
  EXPECT_LE(job->window(), 0);
  EXPECT_EQ(count_type(h.frames, "done"), 0u);

  job->grant(protocol::kMaxWindowBytes);
  run_ready(h.io);
  ASSERT_EQ(count_type(h.frames, "done"), 1u);
  EXPECT_EQ(h.frames.back().at("usage").at("completion_tokens").as_int64(), 2000);
}

TEST(NodeRunningJob, AJobPausedForCreditStillStopsWhenCancelled) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {"mock-small"});
  auto job = h.start(backend, R"({"messages":[{"role":"user","content":"hi"}],"mock_tokens":2000})", 0, 4096);
  run_ready(h.io);
  ASSERT_EQ(count_type(h.frames, "done"), 0u);
  job->stop(node::StopReason::cancelled);
  run_ready(h.io);
  ASSERT_EQ(count_type(h.frames, "error"), 1u);
  EXPECT_EQ(h.frames.back().at("code").as_string(), "cancelled");
}

TEST(NodeRunningJob, WithoutAWindowOutputIsNotPaused) {
  Harness h;
  node::MockBackend backend(h.io.get_executor(), {"mock-small"});
  h.start(backend, R"({"messages":[{"role":"user","content":"hi"}],"mock_tokens":2000})");
  run_ready(h.io);
  EXPECT_EQ(count_type(h.frames, "done"), 1u);
}
