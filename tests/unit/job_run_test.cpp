// JobRun, the one lifecycle every kind of job goes through, driven with a
// fake node link (frames it is sent are recorded; the test answers as the
// node would) and a fake sink (records what the consumer is told; its
// deliveries can fail like a consumer that hangs up or reads too slowly).
// The ledger and the usage events are real: a SqliteStore in a temp dir.
#include "coordinator/accounts.h"
#include "coordinator/jobs/completion_policy.h"
#include "coordinator/jobs/exec_policy.h"
#include "coordinator/jobs/job_run.h"
#include "temp_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace potluck::coordinator {
namespace {
namespace asio = boost::asio;
using Delivery = JobSink::Delivery;

class FakeNodeLink final : public NodeLink {
 public:
  FakeNodeLink(protocol::Hello hello, NodeEnrolment enrolment) : NodeLink(std::move(hello), std::move(enrolment), 1 << 20) {}

  void send(std::string frame) override {
    auto decoded = protocol::decode(frame);
    ASSERT_TRUE(decoded.has_value());
    if (auto* job = std::get_if<protocol::Job>(&*decoded)) jobs.push_back(*job);
    if (auto* cancel = std::get_if<protocol::Cancel>(&*decoded)) cancels.push_back(cancel->id);
  }
  void disconnect() override { disconnected = true; }

  // What the node would send for its latest job.
  void chunk(std::string text) {
    deliver(jobs.back().id, protocol::Chunk{jobs.back().id, seq++, 0, R"({"content":")" + text + R"("})", ""});
  }
  void done(protocol::Usage usage = {3, 2}, std::optional<protocol::ExecResult> exec = std::nullopt) {
    deliver(jobs.back().id, protocol::Done{jobs.back().id, usage, 1, 2, exec});
  }
  void error(protocol::ErrorCode code, bool retryable, std::optional<std::int64_t> cpu_ms = std::nullopt) {
    protocol::Error e{jobs.back().id, code, "failed", retryable};
    e.cpu_ms = cpu_ms;
    deliver(jobs.back().id, std::move(e));
  }

  std::vector<protocol::Job> jobs;
  std::vector<std::string> cancels;
  bool disconnected = false;
  std::uint64_t seq = 0;
};

class FakeSink final : public JobSink {
 public:
  bool streams() const override { return streaming; }
  bool attended() const override { return attended_by_consumer; }
  void assigned(const AssignedNode& node) override { assigned_to.emplace_back(node.id); }
  void running() override { ++running_calls; }
  Delivery take(const protocol::Chunk& chunk) override {
    taken_bytes += chunk.delta.size();
    if (taken_bytes > max_bytes) return Delivery::too_large;
    ++unsent_chunks;
    return Delivery::ok;
  }
  net::awaitable<Delivery> flush() override {
    if (flush_answer == Delivery::ok) delivered += std::exchange(unsent_chunks, 0);
    co_return flush_answer;
  }
  net::awaitable<Delivery> keep_alive() override {
    ++keep_alives;
    co_return keep_alive_answer;
  }
  std::int64_t delivered_chunks() const override { return delivered; }
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override {
    (void)done;
    ++endings;
    completed = billed;
    co_return;
  }
  net::awaitable<void> fail(const JobFailure& failure) override {
    ++endings;
    error = failure.error;
    end = failure.end;
    co_return;
  }
  void watch_hangup(std::function<void()> on_gone) override { hangup = std::move(on_gone); }
  void stop_watching() override { hangup = nullptr; }
  bool consumer_left() override { return left; }

  bool streaming = true;
  bool left = false;  // the consumer's connection is closed
  bool attended_by_consumer = true;
  std::size_t max_bytes = 1 << 20;
  Delivery flush_answer = Delivery::ok;
  Delivery keep_alive_answer = Delivery::ok;
  int keep_alives = 0;
  std::vector<std::string> assigned_to;
  int running_calls = 0;
  std::size_t taken_bytes = 0;
  std::int64_t unsent_chunks = 0;
  std::int64_t delivered = 0;
  int endings = 0;
  std::optional<protocol::Usage> completed;
  std::optional<ApiError> error;
  JobEnd end = JobEnd::failed;
  std::function<void()> hangup;
};

class JobRunTest : public ::testing::Test {
 protected:
  JobRunTest() {
    auto sqlite = store::sqlite::SqliteStore::open(dir_.string());
    auto account = create_account(*sqlite, "", "payer@example.test", store::Role::member, "k");
    payer_ = account->user.id;
    paying_user_ = payer_;
    auto provider = create_account(*sqlite, "", "provider@example.test", store::Role::member, "k");
    provider_ = provider->user.id;
    EXPECT_TRUE(sqlite->ledger().grant("", payer_, 10'000'000));
    store_ = std::make_unique<StoreExecutor>(io_.get_executor(), std::move(sqlite));
    usage_ = std::make_unique<UsageRecorder>(*store_, metrics_);
    config_.queue_timeout = std::chrono::seconds(60);  // far beyond any wait a test allows
  }
  ~JobRunTest() override {
    usage_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  FakeNodeLink& node(const std::string& id, int max_jobs = 4, protocol::Price price = {},
                     std::vector<std::string> languages = {}, std::int64_t cpu_price = 0,
                     std::int64_t exec_max_processes = 0) {
    protocol::Hello hello;
    hello.node_id = id;
    hello.max_jobs = max_jobs;
    hello.models.push_back({"m", 0, "", price});
    hello.exec_languages = std::move(languages);
    hello.exec_price = cpu_price;
    hello.exec_max_processes = exec_max_processes;
    NodeEnrolment enrolment;
    enrolment.owner_id = provider_;
    auto link = std::make_shared<FakeNodeLink>(std::move(hello), std::move(enrolment));
    registry_.add(link);
    return *link;
  }

  JobRun::Deps deps() { return {config_, registry_, metrics_, *usage_, *store_, pricing_, queue_}; }

  // A run with its own policy and spec, started on the test's io_context.
  struct Started {
    std::unique_ptr<JobPolicy> policy;
    std::unique_ptr<JobRun> run;
    bool finished = false;
  };
  std::unique_ptr<Started> start(FakeSink& sink, std::unique_ptr<JobPolicy> policy, Placement placement) {
    auto started = std::make_unique<Started>();
    started->policy = std::move(policy);
    JobRun::Spec spec{{}, Principal{paying_user_, "key", store::Role::member, "inference exec"}, std::move(placement),
                      kPayload};
    started->run = std::make_unique<JobRun>(deps(), *started->policy, sink, std::move(spec));
    asio::co_spawn(io_, [s = started.get()]() -> net::awaitable<void> {
      co_await s->run->run();
      s->finished = true;
    }, asio::detached);
    return started;
  }
  std::unique_ptr<Started> chat(FakeSink& sink) {
    return start(sink, std::make_unique<CompletionPolicy>(protocol::JobKind::chat, 16, sink.streaming),
                 Placement{"", "m", std::nullopt, ""});
  }
  std::unique_ptr<Started> exec(FakeSink& sink) {
    return start(sink, std::make_unique<ExecPolicy>("python3", 10'000, protocol::kMaxExecProcesses), Placement::exec("python3"));
  }

  // Runs the io_context until `done` holds. The bound only keeps a broken
  // build from hanging; no assertion depends on time.
  bool until(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  const store::UsageEvent& only_usage_event() {
    EXPECT_EQ(usage_->pending(), 1u);
    return usage_->pending_events().front();
  }

  std::int64_t balance(const std::string& account) {
    auto read = [&account](store::Store& s) { return s.ledger().balance(account); };
    auto future = asio::co_spawn(io_, store_->call(read), asio::use_future);
    EXPECT_TRUE(until([&] { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
    return future.get().value();
  }
  void write_usage() {
    bool written = false;
    asio::co_spawn(io_, [&]() -> net::awaitable<void> {
      co_await usage_->flush();
      written = true;
    }, asio::detached);
    ASSERT_TRUE(until([&] { return written; }));
  }

  static constexpr std::string_view kPayload = R"({"model":"m","messages":[]})";
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                               ("potluck-job-run-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  asio::io_context io_;
  CoordinatorConfig config_;
  PricingPolicy pricing_;
  SystemClock clock_;
  Registry registry_{pricing_, clock_};
  Metrics metrics_;
  std::unique_ptr<StoreExecutor> store_;
  std::unique_ptr<UsageRecorder> usage_;
  DispatchQueue queue_{QueueSettings{}};
  std::string payer_, provider_;
  std::string paying_user_;  // whose key the next job runs with
};

FakeNodeLink* dispatched_to(FakeNodeLink& a, FakeNodeLink& b) {
  if (!a.jobs.empty() && b.jobs.empty()) return &a;
  if (a.jobs.empty() && !b.jobs.empty()) return &b;
  return nullptr;
}

TEST_F(JobRunTest, CompletesAndRecordsOneUsageEvent) {
  auto& n = node("n1");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  n.chunk("hello");
  n.done({3, 1});
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(sink.endings, 1);
  ASSERT_TRUE(sink.completed);
  EXPECT_EQ(sink.completed->completion_tokens, 1);
  EXPECT_EQ(sink.running_calls, 1);
  const auto& event = only_usage_event();
  EXPECT_EQ(event.status, store::UsageStatus::ok);
  EXPECT_EQ(event.node_id, "n1");
  EXPECT_EQ(n.in_flight(), 0);
}

TEST_F(JobRunTest, RetriesOnAnotherNodeBeforeTheFirstChunk) {
  auto& a = node("a");
  auto& b = node("b");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !a.jobs.empty() || !b.jobs.empty(); }));
  FakeNodeLink* first = dispatched_to(a, b);
  ASSERT_NE(first, nullptr);
  FakeNodeLink* second = first == &a ? &b : &a;
  first->error(protocol::ErrorCode::upstream_unreachable, true);
  ASSERT_TRUE(until([&] { return !second->jobs.empty(); }));
  EXPECT_EQ(second->jobs.back().id, first->jobs.back().id);  // the same job, elsewhere
  second->chunk("hi");
  second->done();
  ASSERT_TRUE(until([&] { return job->finished; }));
  ASSERT_TRUE(sink.completed);
  EXPECT_EQ(sink.assigned_to.size(), 2u);
  EXPECT_EQ(only_usage_event().node_id, second->id());
  EXPECT_EQ(metrics_.retries, 1u);
}

TEST_F(JobRunTest, DoesNotRetryOnceOutputWasSent) {
  auto& a = node("a");
  auto& b = node("b");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !a.jobs.empty() || !b.jobs.empty(); }));
  FakeNodeLink* first = dispatched_to(a, b);
  ASSERT_NE(first, nullptr);
  first->chunk("partial");
  ASSERT_TRUE(until([&] { return sink.delivered == 1; }));
  first->error(protocol::ErrorCode::upstream_error, true);
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(a.jobs.size() + b.jobs.size(), 1u);
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.end, JobEnd::failed);
  const auto& event = only_usage_event();
  EXPECT_EQ(event.status, store::UsageStatus::error);
  EXPECT_EQ(event.completion_tokens, 1);  // the delivered chunk, at least a token
}

TEST_F(JobRunTest, ConsumerHangUpCancelsOnTheNode) {
  auto& n = node("n1");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  ASSERT_TRUE(until([&] { return static_cast<bool>(sink.hangup); }));  // watched from 200 ms in
  sink.hangup();
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(n.cancels, std::vector<std::string>{n.jobs.back().id});
  EXPECT_FALSE(sink.hangup);  // the watch was stopped
  const auto& event = only_usage_event();
  EXPECT_EQ(event.status, store::UsageStatus::cancelled);
  EXPECT_EQ(store::to_string(event.error_code), "client_disconnected");
  EXPECT_EQ(n.in_flight(), 0);
}

TEST_F(JobRunTest, OwnerCancelStopsARunningJob) {
  auto& n = node("n1");
  FakeSink sink;
  sink.attended_by_consumer = false;
  sink.streaming = false;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  job->run->cancel();
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(n.cancels.size(), 1u);
  EXPECT_EQ(sink.end, JobEnd::cancelled);
  EXPECT_EQ(store::to_string(only_usage_event().error_code), "cancelled");
}

TEST_F(JobRunTest, OwnerCancelWhileWaitingInLineNeverDispatches) {
  auto& n = node("n1", 1);
  FakeSink busy_sink, sink;
  auto busy = chat(busy_sink);
  ASSERT_TRUE(until([&] { return n.jobs.size() == 1; }));
  sink.attended_by_consumer = false;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return queue_.waiting() == 1; }));
  job->run->cancel();
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(n.jobs.size(), 1u);
  EXPECT_EQ(sink.end, JobEnd::cancelled);
  EXPECT_EQ(queue_.waiting(), 0u);
  EXPECT_EQ(usage_->pending(), 0u);  // never ran: no usage event
}

// A stream waiting for its first output is kept alive every sse_keepalive;
// once output flows it is not.
TEST_F(JobRunTest, KeepsAWaitingStreamAliveUntilItsFirstOutput) {
  config_.sse_keepalive = std::chrono::seconds(1);
  auto& n = node("n1");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return sink.keep_alives >= 2; }));
  EXPECT_EQ(n.jobs.size(), 1u);  // dispatched, the node has said nothing yet
  n.chunk("hello");
  ASSERT_TRUE(until([&] { return sink.running_calls == 1; }));
  const int before_output = sink.keep_alives;
  n.done();
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(sink.keep_alives, before_output);
  EXPECT_TRUE(sink.completed);
}

// A consumer found gone by a keep-alive while it waits in line leaves the
// line: its job never runs, and the job ahead of it is untouched.
TEST_F(JobRunTest, AKeepAliveThatFindsTheConsumerGoneLeavesTheLine) {
  config_.sse_keepalive = std::chrono::seconds(1);
  auto& n = node("n1", 1);
  FakeSink busy_sink, sink;
  auto busy = chat(busy_sink);
  ASSERT_TRUE(until([&] { return n.jobs.size() == 1; }));
  sink.keep_alive_answer = Delivery::gone;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(sink.keep_alives, 1);
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.error->code, "client_disconnected");
  EXPECT_EQ(queue_.waiting(), 0u);
  EXPECT_EQ(n.jobs.size(), 1u);
  n.chunk("still");
  n.done();
  ASSERT_TRUE(until([&] { return busy->finished; }));
  EXPECT_TRUE(busy_sink.completed);
}

// A stopping coordinator closes the line: a job nobody waits for on a
// connection (which would otherwise wait for its claim timeout) gives up at
// once, and no new job joins.
TEST_F(JobRunTest, AClosedLineSendsItsWaitersAwayAndTakesNoOne) {
  auto& n = node("n1", 1);
  FakeSink busy_sink, sink, late_sink;
  auto busy = chat(busy_sink);
  ASSERT_TRUE(until([&] { return n.jobs.size() == 1; }));
  sink.attended_by_consumer = false;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return queue_.waiting() == 1; }));
  queue_.close();
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(n.jobs.size(), 1u);
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.error->status, 503);
  EXPECT_EQ(queue_.waiting(), 0u);
  auto late = chat(late_sink);
  ASSERT_TRUE(until([&] { return late->finished; }));
  ASSERT_TRUE(late_sink.error);
  EXPECT_EQ(late_sink.error->status, 503);
  EXPECT_EQ(n.jobs.size(), 1u);
  EXPECT_EQ(usage_->pending(), 0u);  // neither ran: no usage event
}

TEST_F(JobRunTest, DeadlineEndsTheJobAndCancelsIt) {
  config_.job_deadline = std::chrono::milliseconds(300);
  auto& n = node("n1");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(sink.end, JobEnd::timed_out);
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.error->status, 504);
  EXPECT_EQ(n.cancels.size(), 1u);
  EXPECT_EQ(only_usage_event().status, store::UsageStatus::timeout);
}

TEST_F(JobRunTest, SlowReaderIsCancelled) {
  auto& n = node("n1");
  FakeSink sink;
  sink.flush_answer = Delivery::too_slow;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  n.chunk("x");
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(n.cancels.size(), 1u);
  const auto& event = only_usage_event();
  EXPECT_EQ(event.status, store::UsageStatus::cancelled);
  EXPECT_EQ(store::to_string(event.error_code), "client_too_slow");
  EXPECT_EQ(event.completion_tokens, 0);  // nothing reached the consumer
}

TEST_F(JobRunTest, NodeLostAfterOutputFailsTheJob) {
  auto& n = node("n1");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  n.chunk("x");
  ASSERT_TRUE(until([&] { return sink.delivered == 1; }));
  n.fail_all();
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(sink.end, JobEnd::failed);
  EXPECT_EQ(store::to_string(only_usage_event().error_code), "node_disconnected");
  // Told as a lost node, worth sending again, not as "no capacity".
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.error->status, 503);
  EXPECT_EQ(sink.error->code, "node_lost");
}

TEST_F(JobRunTest, ASlowReaderPaysForTheChunksThatReachedIt) {
  auto& n = node("n1");
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  n.chunk("reached");
  ASSERT_TRUE(until([&] { return sink.delivered == 1; }));
  sink.flush_answer = Delivery::too_slow;
  n.chunk("never");
  ASSERT_TRUE(until([&] { return job->finished; }));
  const auto& event = only_usage_event();
  EXPECT_EQ(store::to_string(event.error_code), "client_too_slow");
  EXPECT_EQ(event.completion_tokens, 1);  // the chunk written, not the whole hold
  EXPECT_EQ(event.prompt_tokens, 0);
}

TEST_F(JobRunTest, ACollectedAnswerWhoseConsumerLeftIsCancelledAndFree) {
  auto& n = node("n1");
  FakeSink sink;
  sink.streaming = false;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  n.chunk("nobody reads this");
  sink.left = true;  // the consumer hung up before the answer was ready
  n.done({3, 4});
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_FALSE(sink.completed);
  EXPECT_EQ(sink.end, JobEnd::cancelled);
  EXPECT_TRUE(n.cancels.empty());  // the node had finished: nothing to cancel
  const auto& event = only_usage_event();
  EXPECT_EQ(event.status, store::UsageStatus::cancelled);
  EXPECT_EQ(store::to_string(event.error_code), "client_disconnected");
  EXPECT_EQ(event.prompt_tokens, 0);
  EXPECT_EQ(event.completion_tokens, 0);
  EXPECT_EQ(event.cost, 0);
}

TEST_F(JobRunTest, ResultPastItsSizeCapFailsAndCancels) {
  auto& n = node("n1");
  FakeSink sink;
  sink.streaming = false;
  sink.max_bytes = 16;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  n.chunk(std::string(64, 'a'));
  ASSERT_TRUE(until([&] { return job->finished; }));
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.error->code, "result_too_large");
  EXPECT_EQ(n.cancels.size(), 1u);
  EXPECT_EQ(store::to_string(only_usage_event().error_code), "result_too_large");
}

TEST_F(JobRunTest, SettlesExactlyOnce) {
  auto& n = node("n1", 4, protocol::Price{1'000'000, 2'000'000});  // 1 and 2 credits per token
  FakeSink sink;
  const std::int64_t before = balance(store::user_account(payer_));
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  const std::string id = n.jobs.back().id;
  EXPECT_LT(balance(store::user_account(payer_)), before);  // held before dispatch
  n.chunk("hello");
  n.done({3, 1});
  n.deliver(id, protocol::Error{id, protocol::ErrorCode::upstream_error, "late", false});  // a late frame changes nothing
  ASSERT_TRUE(until([&] { return job->finished; }));
  EXPECT_EQ(sink.endings, 1);
  const std::int64_t cost = only_usage_event().cost;
  EXPECT_EQ(cost, 3 * 1 + 1 * 2);
  write_usage();
  EXPECT_EQ(balance(store::user_account(payer_)), before - cost);
  EXPECT_EQ(balance(store::escrow_account(id)), 0);
}

TEST_F(JobRunTest, RefusedHoldTellsTheSinkAndDispatchesNothing) {
  auto& n = node("n1", 4, protocol::Price{1'000'000, 1'000'000});
  paying_user_ = provider_;  // an empty wallet
  FakeSink sink;
  auto job = chat(sink);
  ASSERT_TRUE(until([&] { return job->finished; }));
  ASSERT_TRUE(sink.error);
  EXPECT_EQ(sink.error->status, 402);
  EXPECT_TRUE(n.jobs.empty());
  EXPECT_EQ(usage_->pending(), 0u);
}

// The regression: an exec job's end must wake a chat job waiting for the
// slot it held on a node that serves both (it used to wait for its queue
// timeout, here a minute).
TEST_F(JobRunTest, AnExecJobsEndWakesAChatJobWaitingForItsSlot) {
  auto& n = node("both", 1, {}, {"python3"});
  FakeSink exec_sink, chat_sink;
  auto exec_job = exec(exec_sink);
  ASSERT_TRUE(until([&] { return n.jobs.size() == 1; }));
  EXPECT_EQ(n.jobs.back().kind, protocol::JobKind::exec);
  auto chat_job = chat(chat_sink);
  ASSERT_TRUE(until([&] { return queue_.waiting() == 1; }));
  n.done({}, protocol::ExecResult{});
  ASSERT_TRUE(until([&] { return exec_job->finished && n.jobs.size() == 2; }));
  EXPECT_EQ(n.jobs.back().kind, protocol::JobKind::chat);
  n.chunk("ok");
  n.done();
  ASSERT_TRUE(until([&] { return chat_job->finished; }));
  EXPECT_TRUE(chat_sink.completed);
}

TEST_F(JobRunTest, AChatJobsEndWakesAnExecJobWaitingForItsSlot) {
  auto& n = node("both", 1, {}, {"python3"});
  FakeSink chat_sink, exec_sink;
  auto chat_job = chat(chat_sink);
  ASSERT_TRUE(until([&] { return n.jobs.size() == 1; }));
  auto exec_job = exec(exec_sink);  // exec jobs wait in the dispatch line too
  ASSERT_TRUE(until([&] { return queue_.waiting() == 1; }));
  n.error(protocol::ErrorCode::upstream_error, false);
  ASSERT_TRUE(until([&] { return chat_job->finished && n.jobs.size() == 2; }));
  EXPECT_EQ(n.jobs.back().kind, protocol::JobKind::exec);
  n.done({}, protocol::ExecResult{});
  ASSERT_TRUE(until([&] { return exec_job->finished; }));
  EXPECT_TRUE(exec_sink.completed);
}

TEST_F(JobRunTest, ExecConsumerWhoHangsUpPaysForTheCpuTimeUsed) {
  auto& n = node("runner", 1, {}, {"python3"}, 1'000'000);  // 1 credit per CPU second
  FakeSink sink;
  auto job = exec(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  ASSERT_TRUE(until([&] { return static_cast<bool>(sink.hangup); }));
  sink.hangup();
  ASSERT_TRUE(until([&] { return n.cancels.size() == 1; }));
  EXPECT_FALSE(job->finished);  // waiting for the acknowledgement
  n.error(protocol::ErrorCode::cancelled, false, 1500);
  ASSERT_TRUE(until([&] { return job->finished; }));
  const auto& event = only_usage_event();
  EXPECT_EQ(event.status, store::UsageStatus::cancelled);
  EXPECT_EQ(event.cpu_ms, 1500);
  EXPECT_EQ(event.cost, 1'500'000);
  EXPECT_EQ(n.in_flight(), 0);
}

// A node that claims more CPU time than its program could have used (every
// process it allows busy for the whole run) is billed at most that, and the
// claim counts against it like a token count above the relayed text.
TEST_F(JobRunTest, ExecCpuTimeAboveWallTimesProcessesIsCappedAndFlagged) {
  auto& n = node("greedy", 1, {}, {"python3"}, 1'000'000, /*exec_max_processes=*/2);
  FakeSink sink;
  const auto before = std::chrono::steady_clock::now();
  auto job = exec(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  protocol::ExecResult claimed;
  claimed.cpu_ms = 3'600'000;  // an hour of CPU for a program that ran a few milliseconds
  n.done({}, claimed);
  ASSERT_TRUE(until([&] { return job->finished; }));
  const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before).count();
  const auto& event = only_usage_event();
  EXPECT_TRUE(event.usage_mismatch);
  EXPECT_GE(event.cpu_ms, 0);
  EXPECT_LE(event.cpu_ms, (wall_ms + 1) * 2);
  EXPECT_EQ(event.cost, event.cpu_ms * 1000);  // 1 credit per CPU second
  EXPECT_EQ(n.usage_mismatches(), 1);
}

TEST_F(JobRunTest, ExecCpuTimeWithinWhatTheRunAllowsIsBilledAsReported) {
  auto& n = node("honest", 1, {}, {"python3"}, 1'000'000, /*exec_max_processes=*/64);
  FakeSink sink;
  auto job = exec(sink);
  ASSERT_TRUE(until([&] { return !n.jobs.empty(); }));
  protocol::ExecResult used;
  used.cpu_ms = 0;
  n.done({}, used);
  ASSERT_TRUE(until([&] { return job->finished; }));
  const auto& event = only_usage_event();
  EXPECT_FALSE(event.usage_mismatch);
  EXPECT_EQ(event.cpu_ms, 0);
  EXPECT_EQ(n.usage_mismatches(), 0);
}

}  // namespace
}  // namespace potluck::coordinator
