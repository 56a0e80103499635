// Usage retention with an injected clock: old events are folded into daily
// aggregates and deleted; recent ones stay; the summary reads the same before
// and after; running again changes nothing.
#include "coordinator/accounts.h"
#include "coordinator/retention.h"
#include "store/usage.h"
#include "fake_clock.h"
#include "temp_store.h"

#include <gtest/gtest.h>

namespace {
using potluck::store::UsageDaySummary;
using potluck::store::UsageEvent;
using potluck::testing::TempStore;
using potluck::testing::FakeClock;

constexpr std::int64_t kDayMs = 86'400'000;
// 2026-11-23T12:00:00Z: noon, so an event an hour either side is the same day.
constexpr std::int64_t kNow = 1'795'435'200'000;


UsageEvent event(std::int64_t ts, std::string job, std::string user, std::string model, std::string status,
                 std::int64_t tokens_in, std::int64_t tokens_out, std::int64_t cost) {
  UsageEvent e;
  e.ts_ms = ts;
  e.job_id = std::move(job);
  e.user_id = std::move(user);
  e.key_id = "key_1";
  e.node_id = "node_1";
  e.model = std::move(model);
  e.kind = "chat";
  e.prompt_tokens = tokens_in;
  e.completion_tokens = tokens_out;
  e.ttft_ms = 20;
  e.latency_ms = 100;
  e.status = potluck::store::usage_status_from(status).value();
  e.cost = cost;
  return e;
}

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store->insert_usage({
        event(kNow - 100 * kDayMs - 3'600'000, "job_a", "usr_1", "m1", "ok", 10, 20, 300),
        event(kNow - 100 * kDayMs + 3'600'000, "job_b", "usr_1", "m1", "ok", 1, 2, 30),
        event(kNow - 100 * kDayMs, "job_c", "usr_1", "m1", "error", 5, 0, 0),
        event(kNow - 95 * kDayMs, "job_d", "usr_2", "m2", "ok", 7, 7, 70),
        event(kNow - 10 * kDayMs, "job_e", "usr_1", "m1", "ok", 3, 4, 40),
        event(kNow - 1000, "job_f", "usr_2", "m1", "ok", 1, 1, 10),
    }));
  }
  std::vector<UsageDaySummary> summary(const std::string& user = "") {
    auto days = store->usage().summary({user, 0, kNow + kDayMs});
    EXPECT_TRUE(days);
    return days.value_or(std::vector<UsageDaySummary>{});
  }

  TempStore store;
  FakeClock clock{kNow};
  potluck::coordinator::UsageRetention retention{clock, {}};
};

TEST_F(Retention, FoldsOldEventsAndKeepsRecentOnes) {
  EXPECT_EQ(retention.cutoff_ms(), kNow - 90 * kDayMs);
  auto folded = retention.run(*store);
  ASSERT_TRUE(folded) << folded.error().message;
  EXPECT_EQ(folded->fold.events, 4);
  // (day-100, usr_1, m1, ok), (day-100, usr_1, m1, error), (day-95, usr_2, m2, ok)
  EXPECT_EQ(folded->fold.daily_rows, 3);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_events"), 2);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_events WHERE job_id IN ('job_e', 'job_f')"), 2);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_daily"), 3);
}

TEST_F(Retention, AggregatesAddUp) {
  ASSERT_TRUE(retention.run(*store));
  const std::string ok_row =
      "FROM usage_daily WHERE user_id = 'usr_1' AND model = 'm1' AND status = 'ok'";
  EXPECT_EQ(store.integer("SELECT jobs " + ok_row), 2);
  EXPECT_EQ(store.integer("SELECT prompt_tokens " + ok_row), 11);
  EXPECT_EQ(store.integer("SELECT completion_tokens " + ok_row), 22);
  EXPECT_EQ(store.integer("SELECT latency_ms_total " + ok_row), 200);
  EXPECT_EQ(store.integer("SELECT cost " + ok_row), 330);
  EXPECT_EQ(store.text("SELECT day " + ok_row), "2026-08-15");
  EXPECT_EQ(store.text("SELECT node_id " + ok_row), "node_1");
  EXPECT_EQ(store.text("SELECT tier " + ok_row), "");
}

TEST_F(Retention, TheSummaryReadsTheSameBeforeAndAfter) {
  const auto before = summary();
  const auto before_user = summary("usr_1");
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(retention.run(*store));
  EXPECT_EQ(summary(), before);
  EXPECT_EQ(summary("usr_1"), before_user);
}

TEST_F(Retention, RunningTwiceIsIdempotent) {
  ASSERT_TRUE(retention.run(*store));
  const auto after_first = summary();
  auto again = retention.run(*store);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->fold.events, 0);
  EXPECT_EQ(summary(), after_first);
  EXPECT_EQ(store.integer("SELECT sum(jobs) FROM usage_daily"), 4);
}

TEST_F(Retention, LaterRunsAddToExistingDailyRows) {
  ASSERT_TRUE(retention.run(*store));
  // A late event of a day already folded (e.g. a batch written late).
  ASSERT_TRUE(store->insert_usage({event(kNow - 100 * kDayMs, "job_late", "usr_1", "m1", "ok", 100, 100, 1000)}));
  ASSERT_TRUE(retention.run(*store));
  const std::string ok_row =
      "FROM usage_daily WHERE user_id = 'usr_1' AND model = 'm1' AND status = 'ok'";
  EXPECT_EQ(store.integer("SELECT jobs " + ok_row), 3);
  EXPECT_EQ(store.integer("SELECT cost " + ok_row), 1330);
}

TEST_F(Retention, AClock91DaysLaterFoldsTheRest) {
  ASSERT_TRUE(retention.run(*store));
  const auto before = summary();
  clock.now = kNow + 91 * kDayMs;
  auto folded = retention.run(*store);
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded->fold.events, 2);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_events"), 0);
  EXPECT_EQ(summary(), before);
}

TEST_F(Retention, RawEventsOutsideTheWindowAreGoneFromTheEventList) {
  ASSERT_TRUE(retention.run(*store));
  auto events = store->usage().events({"", 0, kNow + kDayMs});
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->front().job_id, "job_e");
}

// Aggregates are not forever: a day's rows go once the day is older than
// the aggregate retention (730 days by default), and not before.
TEST_F(Retention, DailyAggregatesOlderThanTheirRetentionAreDeleted) {
  ASSERT_TRUE(retention.run(*store));
  ASSERT_EQ(store.integer("SELECT count(*) FROM usage_daily"), 3);
  // Day-100 becomes 729 days old: it stays.
  clock.now = kNow + 629 * kDayMs;
  auto kept = retention.run(*store);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->daily_rows_deleted, 0);
  // A day later, day-100 is past 730 days; day-95 is not.
  clock.now = kNow + 631 * kDayMs;
  auto dropped = retention.run(*store);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->daily_rows_deleted, 2);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_daily WHERE day = '2026-08-15'"), 0);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_daily WHERE day = '2026-08-20'"), 1);
  // The raw events folded meanwhile (day-10, today) are younger and stay.
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_daily WHERE day > '2026-08-20'"), 2);
}

class NodeRecordRetention : public Retention {
 protected:
  void SetUp() override {
    Retention::SetUp();
    auto token = potluck::coordinator::issue_node_token(*store, "", "platform", "");
    ASSERT_TRUE(token);
    for (auto [id, days_ago] : {std::pair{"node_old", 181}, {"node_recent", 179}, {"node_online", 400}}) {
      potluck::store::NodeRecord node;
      node.id = id;
      node.token_id = token->id;
      node.name = id;
      node.os = "linux";
      node.arch = "x86_64";
      node.version = "1";
      node.models = "[]";
      node.seen_at = kNow - days_ago * kDayMs;
      ASSERT_TRUE(store->upsert_node(node));
    }
  }
};

// Node records not seen for the node-record retention (180 days) go; a node
// connected now stays however long ago it connected.
TEST_F(NodeRecordRetention, RecordsOfNodesNotSeenFor180DaysAreDeleted) {
  auto done = retention.run(*store, {"node_online"});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->node_records_deleted, 1);
  EXPECT_EQ(store.integer("SELECT count(*) FROM nodes WHERE id = 'node_old'"), 0);
  EXPECT_EQ(store.integer("SELECT count(*) FROM nodes WHERE id IN ('node_recent', 'node_online')"), 2);
  // Two days on, the recent one is past 180 days too.
  clock.now = kNow + 2 * kDayMs;
  auto later = retention.run(*store, {"node_online"});
  ASSERT_TRUE(later);
  EXPECT_EQ(later->node_records_deleted, 1);
  EXPECT_EQ(store.integer("SELECT count(*) FROM nodes"), 1);
  EXPECT_EQ(store.text("SELECT id FROM nodes"), "node_online");
}

}  // namespace

// The audit rows of a deleted cluster are pruned once the cluster has been
// deleted for --audit-retention-days-after-delete (90), under a checkpoint
// the chain still verifies across; other rows stay, and tampering with a row
// that remains is still found.
class AuditRetention : public ::testing::Test {
 protected:
  void SetUp() override {
    owner = store->create_user("", "owner@example.test", potluck::store::Role::member)->id;
    doomed = store->clusters().create_cluster(owner, "doomed")->id;
    live = store->clusters().create_cluster(owner, "live")->id;
    // Interleaved: the doomed cluster's rows sit between everyone else's.
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(store->audit().append({owner, "test.event", "d" + std::to_string(i), doomed}));
      ASSERT_TRUE(store->audit().append({owner, "test.event", "l" + std::to_string(i), live}));
      ASSERT_TRUE(store->audit().append({owner, "test.event", "n" + std::to_string(i), ""}));
    }
    ASSERT_TRUE(store->clusters().delete_cluster(owner, doomed, kNow));
    doomed_rows = rows_of(doomed);
    live_rows = rows_of(live);
    other_rows = rows_of("");
  }
  std::int64_t rows_of(const std::string& cluster) {
    return store.integer("SELECT count(*) FROM audit_log WHERE cluster_id = '" + cluster + "'");
  }
  potluck::store::ChainCheck verify() {
    auto check = store->audit().verify();
    EXPECT_TRUE(check) << check.error().message;
    return check.value_or(potluck::store::ChainCheck{});
  }
  TempStore store;
  FakeClock clock{kNow};
  potluck::coordinator::UsageRetention retention{clock, {}};
  std::string owner, doomed, live;
  std::int64_t doomed_rows = 0, live_rows = 0, other_rows = 0;
};

TEST_F(AuditRetention, RowsStayUntilTheRetentionAfterTheDeletion) {
  clock.now = kNow + 89 * kDayMs;
  auto run = retention.run(*store);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->audit.rows, 0);
  EXPECT_EQ(rows_of(doomed), doomed_rows);
  EXPECT_EQ(store.integer("SELECT count(*) FROM audit_log WHERE action = 'audit.pruned'"), 0);
}

TEST_F(AuditRetention, RowsArePrunedAfterItAndTheChainStillVerifies) {
  ASSERT_GE(doomed_rows, 5);  // created, 3 events, deleted (and more the deletion wrote)
  clock.now = kNow + 91 * kDayMs;
  auto run = retention.run(*store);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->audit.clusters, 1);
  EXPECT_EQ(run->audit.rows, doomed_rows);
  EXPECT_EQ(rows_of(doomed), 0);
  EXPECT_EQ(rows_of(live), live_rows);
  // Every row that was not the doomed cluster's, plus the checkpoint.
  EXPECT_EQ(rows_of(""), other_rows + 1);
  auto check = verify();
  EXPECT_EQ(check.first_broken_seq, 0) << check.reason;
  EXPECT_EQ(check.pruned_rows, doomed_rows);
  EXPECT_EQ(check.checkpoints, 1);
  EXPECT_EQ(check.rows, live_rows + other_rows + 1);
  // The checkpoint names the cluster and what went; nothing about its people.
  EXPECT_EQ(store.text("SELECT subject_id FROM audit_log WHERE action = 'audit.pruned'"), doomed);
  EXPECT_EQ(store.integer("SELECT json_extract(detail, '$.rows_pruned') FROM audit_log WHERE action = 'audit.pruned'"),
            doomed_rows);
  // A second run finds nothing; rows appended afterwards chain on.
  auto again = retention.run(*store);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->audit.rows, 0);
  ASSERT_TRUE(store->audit().append({owner, "test.event", "after", ""}));
  EXPECT_EQ(verify().first_broken_seq, 0);
}

TEST_F(AuditRetention, AnEditedRemainingRowStillBreaksTheChain) {
  clock.now = kNow + 91 * kDayMs;
  ASSERT_TRUE(retention.run(*store));
  const auto seq = store.integer("SELECT min(seq) FROM audit_log WHERE cluster_id = '" + live + "'");
  store.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET subject_id = 'forged' WHERE seq = " +
             std::to_string(seq));
  auto check = verify();
  EXPECT_EQ(check.first_broken_seq, seq);
  EXPECT_EQ(check.reason, "its contents do not match its digest");
}

TEST_F(AuditRetention, ARemainingRowDeletedAndPassedOffAsPrunedIsFound) {
  clock.now = kNow + 91 * kDayMs;
  ASSERT_TRUE(retention.run(*store));
  // An attacker with the file removes a live row and records it as pruned
  // under the existing checkpoint, so the walk would cross its gap.
  const auto seq = store.integer("SELECT min(seq) FROM audit_log WHERE cluster_id = '" + live + "'");
  const auto digest = store.text("SELECT sha256 FROM audit_log WHERE seq = " + std::to_string(seq));
  const auto checkpoint = store.integer("SELECT seq FROM audit_log WHERE action = 'audit.pruned'");
  store.exec("INSERT INTO audit_pruned_runs VALUES (" + std::to_string(seq) + ", " + std::to_string(seq) + ", '" +
             digest + "', " + std::to_string(checkpoint) + ")");
  store.exec("DELETE FROM audit_log WHERE seq = " + std::to_string(seq));
  auto check = verify();
  EXPECT_EQ(check.first_broken_seq, checkpoint);
  EXPECT_EQ(check.reason, "the pruned runs recorded under it are not the ones it checkpointed");
}

// Two clusters deleted: each gets its checkpoint, and the walk crosses runs
// of one that sit right beside runs of the other.
TEST_F(AuditRetention, TwoDeletedClustersEachGetACheckpointAndTheirRunsAreCrossedSideBySide) {
  ASSERT_TRUE(store->clusters().delete_cluster(owner, live, kNow + kDayMs));
  const auto live_rows_now = rows_of(live);
  clock.now = kNow + 91 * kDayMs;
  auto first = retention.run(*store);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->audit.clusters, 1) << "the live cluster was deleted a day later";
  clock.now = kNow + 92 * kDayMs;
  auto second = retention.run(*store);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->audit.clusters, 1);
  EXPECT_EQ(second->audit.rows, live_rows_now);
  EXPECT_EQ(store.integer("SELECT count(*) FROM audit_log WHERE cluster_id <> ''"), 0);
  auto check = verify();
  EXPECT_EQ(check.first_broken_seq, 0) << check.reason;
  EXPECT_EQ(check.checkpoints, 2);
  EXPECT_EQ(check.pruned_rows, doomed_rows + live_rows_now);
  EXPECT_EQ(check.rows, other_rows + 2);
}
