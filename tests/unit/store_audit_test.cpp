// The audit chain: verify finds the first row that was edited, deleted or
// moved, directly in the database file.
#include "store/audit.h"
#include "temp_store.h"

#include <gtest/gtest.h>

namespace {
using potluck::testing::TempStore;

class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    // Five audited operations: rows 1 to 5.
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(store->audit().append({"usr_actor", "test.event", "subject" + std::to_string(i), "",
                                         R"({"n":)" + std::to_string(i) + "}"}));
  }
  potluck::store::ChainCheck verify() {
    auto check = store->audit().verify();
    EXPECT_TRUE(check) << check.error().message;
    return check.value_or(potluck::store::ChainCheck{});
  }
  TempStore store;
};

TEST_F(AuditChain, IntactChainVerifies) {
  auto check = verify();
  EXPECT_EQ(check.rows, 5);
  EXPECT_EQ(check.first_broken_seq, 0);
  EXPECT_TRUE(check.reason.empty());
}

TEST_F(AuditChain, RowsChainToTheirPredecessor) {
  auto rows = store->audit().list({"", 0, 100});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ(rows->front().prev_sha256, std::string(potluck::store::kGenesisDigest));
  for (std::size_t i = 1; i < rows->size(); ++i) EXPECT_EQ((*rows)[i].prev_sha256, (*rows)[i - 1].sha256);
}

TEST_F(AuditChain, TheTriggersRefuseEditsThroughSql) {
  EXPECT_ANY_THROW(store.exec("UPDATE audit_log SET detail = '{}' WHERE seq = 3"));
  EXPECT_ANY_THROW(store.exec("DELETE FROM audit_log WHERE seq = 3"));
  EXPECT_EQ(verify().first_broken_seq, 0);
}

TEST_F(AuditChain, AnEditedRowBreaksAtThatRow) {
  store.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{}' WHERE seq = 3");
  auto check = verify();
  EXPECT_EQ(check.rows, 5);
  EXPECT_EQ(check.first_broken_seq, 3);
  EXPECT_EQ(check.reason, "its contents do not match its digest");
}

TEST_F(AuditChain, AnEditedRowWithARecomputedDigestBreaksAtTheNextRow) {
  auto rows = store->audit().list({"", 2, 1});
  ASSERT_TRUE(rows);
  auto forged = rows->front();
  forged.event.action = "something.else";
  const auto digest = potluck::store::audit_digest(forged);
  store.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET action = 'something.else', sha256 = '" +
             digest + "' WHERE seq = 3");
  auto check = verify();
  EXPECT_EQ(check.first_broken_seq, 4);
  EXPECT_EQ(check.reason, "does not point at the row before it");
}

TEST_F(AuditChain, ADeletedRowBreaksAtTheRowAfterTheGap) {
  store.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2");
  auto check = verify();
  EXPECT_EQ(check.rows, 4);
  EXPECT_EQ(check.first_broken_seq, 3);
  EXPECT_EQ(check.reason, "row 2 is missing");
}

TEST_F(AuditChain, ADeletedLastRowIsNotDetectableButTheRestVerifies) {
  // Truncating the tail leaves a shorter valid chain: the row count is what
  // shows it, which is why verify reports it.
  store.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 5");
  auto check = verify();
  EXPECT_EQ(check.rows, 4);
  EXPECT_EQ(check.first_broken_seq, 0);
}

// Retention's runs (audit_pruned_runs) let a row go only under a
// checkpoint: a run recorded by hand, under a row that is no checkpoint,
// does not make its gap acceptable.
TEST_F(AuditChain, ARowPassedOffAsPrunedWithoutACheckpointBreaksAtTheGap) {
  EXPECT_ANY_THROW(store.exec("DELETE FROM audit_log WHERE seq = 2"));
  const auto digest = store.text("SELECT sha256 FROM audit_log WHERE seq = 2");
  store.exec("INSERT INTO audit_pruned_runs VALUES (2, 2, '" + digest + "', 4)");
  store.exec("DELETE FROM audit_log WHERE seq = 2");
  auto check = verify();
  EXPECT_EQ(check.rows, 4);
  EXPECT_EQ(check.first_broken_seq, 2);
  EXPECT_EQ(check.reason, "pruned under row 4, which is no checkpoint");
}

TEST_F(AuditChain, SwappedRowsBreakAtTheFirstOfThem) {
  store.exec("DROP TRIGGER audit_log_no_update;"
             "UPDATE audit_log SET seq = 1000 WHERE seq = 2;"
             "UPDATE audit_log SET seq = 2 WHERE seq = 3;"
             "UPDATE audit_log SET seq = 3 WHERE seq = 1000;");
  auto check = verify();
  EXPECT_EQ(check.rows, 5);
  EXPECT_EQ(check.first_broken_seq, 2);
}

TEST_F(AuditChain, ListFiltersByClusterAndPages) {
  ASSERT_TRUE(store->audit().append({"usr_owner", "cluster.thing", "x", "clu_a"}));
  ASSERT_TRUE(store->audit().append({"usr_owner", "cluster.thing", "y", "clu_b"}));
  auto only_a = store->audit().list({"clu_a", 0, 100});
  ASSERT_TRUE(only_a);
  ASSERT_EQ(only_a->size(), 1u);
  EXPECT_EQ(only_a->front().event.subject_id, "x");
  auto page = store->audit().list({"", 3, 2});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->front().seq, 4);
}

}  // namespace
