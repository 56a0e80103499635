// Usage events on a real SQLite file: a batch moves each node's counters
// (jobs_ok, usage_mismatches, flagged_at) by what its new events say, and a
// job already recorded moves nothing.
#include "temp_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace potluck::store {
namespace {

class UsageBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_->insert_node_token({"tok_1", "", "t", std::string(64, 'a'), 1, 0, ""}));
    for (const char* id : {"node_a", "node_b"}) {
      NodeRecord node;
      node.id = id;
      node.token_id = "tok_1";
      node.name = id;
      node.os = "linux";
      node.arch = "x86_64";
      node.version = "test";
      node.models = "[]";
      node.seen_at = 1;
      ASSERT_TRUE(store_->upsert_node(node));
    }
  }

  static UsageEvent event(const std::string& job, const std::string& node, const std::string& status,
                          bool mismatch = false, std::int64_t ts = 10) {
    UsageEvent e;
    e.ts_ms = ts;
    e.job_id = job;
    e.node_id = node;
    e.model = "m";
    e.kind = "chat";
    e.status = usage_status_from(status).value();
    e.usage_mismatch = mismatch;
    return e;
  }

  NodeRecord node(const std::string& id) { return store_->find_node(id).value(); }
  std::int64_t flagged_at(const std::string& id) {
    return store_.integer("SELECT coalesce(flagged_at, 0) FROM nodes WHERE id = '" + id + "'");
  }

  potluck::testing::TempStore store_;
};

// Earned trust needs consumers who paid, other than the owner: each counts once.
TEST_F(UsageBatchTest, ANodesPayingConsumersAreDistinctUsersWhoPaidForACompletedJob) {
  const auto paid = [](const std::string& job, const std::string& user, const std::string& status,
                       std::int64_t cost) {
    UsageEvent e = event(job, "node_a", status);
    e.user_id = user;
    e.cost = cost;
    return e;
  };
  ASSERT_TRUE(store_->insert_usage({
      paid("job_1", "usr_a", "ok", 5),
      paid("job_2", "usr_a", "ok", 5),      // the same consumer again
      paid("job_3", "usr_b", "ok", 5),
      paid("job_4", "usr_c", "ok", 0),      // free: paid nothing
      paid("job_5", "usr_d", "error", 5),   // did not complete
      paid("job_6", "", "ok", 5),           // the node's owner (a platform token: none)
  }));
  EXPECT_EQ(node("node_a").paying_consumers, 2);
  EXPECT_EQ(node("node_b").paying_consumers, 0);
}

TEST_F(UsageBatchTest, ABatchAddsEachNodesJobsAndMismatches) {
  ASSERT_TRUE(store_->insert_usage({
      event("job_1", "node_a", "ok"),
      event("job_2", "node_a", "ok", true, 20),
      event("job_3", "node_b", "ok"),
      event("job_4", "node_a", "error"),
      event("job_5", "node_b", "cancelled", true, 30),
      event("job_6", "", "error"),  // never reached a node
  }));
  EXPECT_EQ(node("node_a").jobs_ok, 2);
  EXPECT_EQ(node("node_a").usage_mismatches, 1);
  EXPECT_EQ(flagged_at("node_a"), 20);
  EXPECT_EQ(node("node_b").jobs_ok, 1);
  EXPECT_EQ(node("node_b").usage_mismatches, 1);
  EXPECT_EQ(flagged_at("node_b"), 30);
  EXPECT_EQ(store_->count_usage().value(), 6);
}

TEST_F(UsageBatchTest, ARetriedBatchCountsOnlyItsNewJobs) {
  ASSERT_TRUE(store_->insert_usage({event("job_1", "node_a", "ok"), event("job_2", "node_a", "ok", true, 20)}));
  // The same two again (a retry after a failed commit) plus one new job.
  ASSERT_TRUE(store_->insert_usage({event("job_1", "node_a", "ok"), event("job_2", "node_a", "ok", true, 20),
                                    event("job_3", "node_a", "ok")}));
  EXPECT_EQ(node("node_a").jobs_ok, 3);
  EXPECT_EQ(node("node_a").usage_mismatches, 1);
  EXPECT_EQ(node("node_b").jobs_ok, 0);
  EXPECT_EQ(flagged_at("node_b"), 0);
}

TEST_F(UsageBatchTest, AMismatchFreeBatchKeepsTheLastFlag) {
  ASSERT_TRUE(store_->insert_usage({event("job_1", "node_a", "ok", true, 20)}));
  ASSERT_TRUE(store_->insert_usage({event("job_2", "node_a", "ok", false, 50)}));
  EXPECT_EQ(flagged_at("node_a"), 20);
  EXPECT_EQ(node("node_a").jobs_ok, 2);
}

}  // namespace
}  // namespace potluck::store

namespace potluck {
namespace {

// Issue 14: the data dir a coordinator makes, its database and the WAL
// SQLite writes beside it are the owner's alone.
TEST(StoreFiles, TheDataDirAndDatabaseFilesAreTheOwnersAlone) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::temp_directory_path() / ("potluck-perms-" + std::to_string(::getpid()));
  const fs::path data_dir = parent / "data";
  {
    auto store = store::sqlite::SqliteStore::open(data_dir.string());
    ASSERT_TRUE(store->put_settings("", {{"probe", "1"}}));  // a write: the WAL exists now
    const auto mode = [](const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; };
    EXPECT_EQ(mode(data_dir), fs::perms::owner_all);
    EXPECT_EQ(mode(data_dir / "potluck.db"), fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_TRUE(fs::exists(data_dir / "potluck.db-wal"));
    EXPECT_EQ(mode(data_dir / "potluck.db-wal"), fs::perms::owner_read | fs::perms::owner_write);
  }
  fs::remove_all(parent);
}

}  // namespace
}  // namespace potluck
