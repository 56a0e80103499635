// Storage trouble as the coordinator sees it: the one store-error mapping's
// 503, StorageHealth fed by every store result and by the write check,
// /readyz's answer, and the usage queue's bound while writes fail.
#include "coordinator/readiness.h"
#include "coordinator/store_error.h"
#include "coordinator/usage_recorder.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace {
using namespace potluck;
using namespace potluck::coordinator;
namespace asio = boost::asio;

TEST(StoreErrorMapping, StorageUnavailableIsA503WithRetryAfter) {
  const ApiError refused = store_error({store::StoreError::Kind::storage_unavailable, "step: disk is full"}, "key");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.code, "storage_unavailable");
  EXPECT_GT(refused.retry_after_s, 0);
  EXPECT_EQ(refused.message.find("disk is full"), std::string::npos) << "the store's words stay in the log";
  const ApiError broken = store_error({store::StoreError::Kind::io, "step: no such table"}, "key");
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(broken.retry_after_s, 0);
}

boost::json::object body_of(const net::Response& response) { return boost::json::parse(response.body()).as_object(); }

TEST(Readiness, ReadyOnlyWithWritableStorageAndANode) {
  StorageHealth health;
  EXPECT_EQ(readiness_response(health, 1).result(), net::http::status::ok);
  auto no_node = readiness_response(health, 0);
  EXPECT_EQ(no_node.result(), net::http::status::service_unavailable);
  EXPECT_EQ(body_of(no_node)["reasons"].as_array().size(), 1u);
  health.failed("step: database or disk is full");
  auto failing = readiness_response(health, 1);
  EXPECT_EQ(failing.result(), net::http::status::service_unavailable);
  EXPECT_EQ(body_of(failing)["storage"], "failing");
  EXPECT_EQ(failing.body().find("disk is full"), std::string::npos) << "the store's words stay in the log";
  health.recovered();
  EXPECT_EQ(readiness_response(health, 1).result(), net::http::status::ok);
}

class StorageTroubleTest : public ::testing::Test {
 protected:
  StorageTroubleTest() {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("potluck-trouble-" + std::to_string(random()) +
                                                     std::to_string(random()));
    executor_ = std::make_unique<StoreExecutor>(io_.get_executor(), store::sqlite::SqliteStore::open(dir_.string()));
  }
  ~StorageTroubleTest() override {
    executor_.reset();
    std::filesystem::remove_all(dir_);
  }

  template <class T>
  T run(asio::awaitable<T> work) {
    auto future = asio::co_spawn(io_, std::move(work), asio::use_future);
    io_.restart();
    io_.run();
    return future.get();
  }
  // Every write fails with SQLITE_READONLY (as on a read-only mount) while set.
  void refuse_writes(bool refuse) {
    auto set = [refuse](store::Store& s) -> store::Result<void> {
      static_cast<store::sqlite::SqliteStore&>(s).database().exec(refuse ? "PRAGMA query_only = 1"
                                                                          : "PRAGMA query_only = 0");
      return {};
    };
    ASSERT_TRUE(run(executor_->call(set)));
  }
  static store::UsageEvent event(const std::string& job) {
    store::UsageEvent e;
    e.job_id = job;
    e.ts_ms = 1;
    e.model = "m";
    e.kind = "chat";
    return e;
  }
  std::int64_t written() {
    auto count = [](store::Store& s) { return s.count_usage(); };
    return *run(executor_->call(count));
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  std::unique_ptr<StoreExecutor> executor_;
  Metrics metrics_;
};

TEST_F(StorageTroubleTest, AFailedWriteMarksStorageFailingAndOnlyAWriteMarksItWritable) {
  refuse_writes(true);
  auto create = [](store::Store& s) { return s.create_user("", "x@example.test", store::Role::member); };
  auto created = run(executor_->call(create));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, store::StoreError::Kind::storage_unavailable);
  EXPECT_FALSE(executor_->health().writable());
  auto read = [](store::Store& s) { return s.list_users(); };
  EXPECT_TRUE(run(executor_->call(read)));
  EXPECT_FALSE(executor_->health().writable()) << "a read says nothing about writes";
  refuse_writes(false);
  auto check = [](store::Store& s) { return s.check_writable(); };
  EXPECT_TRUE(run(executor_->call(check)));
}

TEST_F(StorageTroubleTest, UsageWaitsWhileWritesFailWithinItsBoundAndIsWrittenAfter) {
  UsageRecorder usage(*executor_, metrics_, 3);
  refuse_writes(true);
  usage.record(event("j1"));
  usage.record(event("j2"));
  run(usage.flush());
  EXPECT_EQ(usage.pending(), 2u) << "kept for the next try";
  usage.record(event("j3"));
  usage.record(event("j4"));
  run(usage.flush());
  ASSERT_EQ(usage.pending(), 3u);
  EXPECT_EQ(usage.pending_events().front().job_id, "j2") << "the oldest went first";
  EXPECT_EQ(metrics_.usage_events_spilled, 1);
  refuse_writes(false);
  run(usage.flush());
  EXPECT_EQ(usage.pending(), 0u);
  EXPECT_EQ(written(), 3);
}

}  // namespace
