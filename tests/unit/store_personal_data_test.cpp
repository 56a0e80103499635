// A user's data export and account deletion, on a real SQLite store.
#include "coordinator/accounts.h"
#include "store/personal_data.h"
#include "store/usage.h"
#include "temp_store.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace {
namespace json = boost::json;
using potluck::store::StoreError;
using potluck::testing::TempStore;

class PersonalData : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = store->create_user("", "alice@example.test", potluck::store::Role::member);
    ASSERT_TRUE(made);
    alice = made->id;
    auto other = store->create_user("", "bob@example.test", potluck::store::Role::member);
    ASSERT_TRUE(other);
    bob = other->id;
    auto key = potluck::coordinator::issue_api_key(*store, alice, "alice laptop", "inference");
    ASSERT_TRUE(key);
    key_id = key->id;
    key_secret = key->secret;
    ASSERT_TRUE(potluck::coordinator::issue_node_token(*store, alice, "alice gpu"));
    ASSERT_TRUE(store->ledger().grant("", alice, 5'000'000));
    potluck::store::UsageEvent e;
    e.ts_ms = 1'700'000'000'000;
    e.job_id = "job_1";
    e.user_id = alice;
    e.key_id = key_id;
    e.model = "m";
    e.kind = "chat";
    e.status = potluck::store::UsageStatus::ok;
    ASSERT_TRUE(store->insert_usage({e}));
    // One folded day of alice's and one anonymous row it will join.
    store.exec("INSERT INTO usage_daily (day, user_id, model, kind, status, jobs, prompt_tokens, "
               "completion_tokens, latency_ms_total, cost) VALUES ('2026-01-01', '" + alice +
               "', 'm', 'chat', 'ok', 2, 10, 10, 50, 100), ('2026-01-01', '', 'm', 'chat', 'ok', 1, 1, "
               "1, 5, 10)");
  }

  json::object export_of(const std::string& user) {
    auto document = store->personal_data().export_user(user);
    EXPECT_TRUE(document) << document.error().message;
    return json::parse(document.value_or("{}")).as_object();
  }

  TempStore store;
  std::string alice, bob, key_id, key_secret;
};

TEST_F(PersonalData, ExportHoldsEverySectionAndNoSecret) {
  auto doc = export_of(alice);
  EXPECT_EQ(doc.at("user").at("email").as_string(), "alice@example.test");
  EXPECT_EQ(doc.at("keys").as_array().size(), 1u);
  EXPECT_EQ(doc.at("keys").at(0).at("name").as_string(), "alice laptop");
  EXPECT_FALSE(doc.at("keys").at(0).as_object().contains("sha256"));
  EXPECT_EQ(doc.at("node_tokens").as_array().size(), 1u);
  EXPECT_FALSE(doc.at("node_tokens").at(0).as_object().contains("sha256"));
  EXPECT_EQ(doc.at("usage_events").as_array().size(), 1u);
  EXPECT_EQ(doc.at("usage_daily").as_array().size(), 1u);
  EXPECT_EQ(doc.at("ledger").as_array().size(), 1u);
  EXPECT_EQ(doc.at("balance").as_int64(), 5'000'000);
  EXPECT_GE(doc.at("audit").as_array().size(), 3u);  // user created, key and node token issued
  for (const char* section : {"memberships", "clusters_owned", "invites_created", "nodes"})
    EXPECT_TRUE(doc.at(section).is_array()) << section;
  const std::string text = json::serialize(doc);
  EXPECT_EQ(text.find(key_secret.substr(key_secret.rfind('_') + 1)), std::string::npos);
  EXPECT_EQ(text.find("bob@example.test"), std::string::npos);
}

TEST_F(PersonalData, ExportIsAudited) {
  export_of(alice);
  EXPECT_EQ(store.integer("SELECT count(*) FROM audit_log WHERE action = 'data.exported' AND subject_id = '" +
                          alice + "'"),
            1);
  auto check = store->audit().verify();
  ASSERT_TRUE(check);
  EXPECT_EQ(check->first_broken_seq, 0);
}

TEST_F(PersonalData, ExportOfAnUnknownUserIsNotFound) {
  auto document = store->personal_data().export_user("usr_nobody");
  ASSERT_FALSE(document);
  EXPECT_EQ(document.error().kind, StoreError::Kind::not_found);
}

TEST_F(PersonalData, DeletionErasesAndAnonymisesButKeepsTheLedger) {
  const auto ledger_total = store->ledger().total();
  const auto balance = store->ledger().balance("user:" + alice);
  auto erased = store->personal_data().erase_user(alice, 1'800'000'000'000);
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(erased->key_ids, std::vector<std::string>{key_id});
  EXPECT_EQ(erased->node_tokens_revoked, 1);
  EXPECT_EQ(erased->usage_events_anonymised, 1);

  auto user = store->find_user(alice);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->email, "deleted-" + alice + "@invalid");
  EXPECT_EQ(user->deleted_at, 1'800'000'000'000);
  EXPECT_EQ(store.integer("SELECT count(*) FROM api_keys WHERE user_id = '" + alice +
                          "' AND (revoked_at IS NULL OR name <> '')"),
            0);
  EXPECT_EQ(store.integer("SELECT count(*) FROM node_tokens WHERE owner_id = '" + alice +
                          "' AND revoked_at IS NULL"),
            0);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_events WHERE user_id = '" + alice + "' OR key_id = '" +
                          key_id + "'"),
            0);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_events"), 1);
  EXPECT_EQ(store.integer("SELECT count(*) FROM usage_daily WHERE user_id = '" + alice + "'"), 0);
  // Re-folded into the anonymous row of the same day: 1 + 2 jobs.
  EXPECT_EQ(store.integer("SELECT jobs FROM usage_daily WHERE user_id = ''"), 3);
  EXPECT_EQ(store.integer("SELECT cost FROM usage_daily WHERE user_id = ''"), 110);
  ASSERT_TRUE(ledger_total && balance);
  EXPECT_EQ(store->ledger().total().value(), *ledger_total);
  EXPECT_EQ(store->ledger().balance("user:" + alice).value(), *balance);
  EXPECT_EQ(store.integer("SELECT count(*) FROM audit_log WHERE action = 'account.deleted'"), 1);
  EXPECT_EQ(store.integer("SELECT count(*) FROM audit_log WHERE detail LIKE '%alice@%'"), 0);
  auto check = store->audit().verify();
  ASSERT_TRUE(check);
  EXPECT_EQ(check->first_broken_seq, 0);
}

TEST_F(PersonalData, DeletingTwiceIsNotFound) {
  ASSERT_TRUE(store->personal_data().erase_user(alice, 1));
  auto again = store->personal_data().erase_user(alice, 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreError::Kind::not_found);
}

TEST_F(PersonalData, AnOwnerOfAClusterWithMembersIsRefusedAndNothingChanges) {
  auto cluster = store->clusters().create_cluster(alice, "alices-lab");
  ASSERT_TRUE(cluster);
  store.exec("INSERT INTO cluster_members (cluster_id, user_id, role, joined_at) VALUES ('" + cluster->id +
             "', '" + bob + "', 'member', 1)");
  auto refused = store->personal_data().erase_user(alice, 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, StoreError::Kind::conflict);
  EXPECT_NE(refused.error().message.find("alices-lab"), std::string::npos);
  EXPECT_EQ(store->find_user(alice)->email, "alice@example.test");
  EXPECT_EQ(store.integer("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL"), 0);
}

// A cluster its owner held alone goes with the account, as DELETE
// /api/clusters/{id} would: renamed, its tokens revoked, audited.
TEST_F(PersonalData, AClusterOwnedAloneIsDeletedWithTheAccount) {
  auto cluster = store->clusters().create_cluster(alice, "solo");
  ASSERT_TRUE(cluster);
  auto token = potluck::coordinator::issue_node_token(*store, alice, "solo rack", cluster->id);
  ASSERT_TRUE(token);
  auto erased = store->personal_data().erase_user(alice, 1);
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(erased->clusters_deleted, 1);
  EXPECT_EQ(store.integer("SELECT count(*) FROM cluster_members WHERE user_id = '" + alice + "'"), 0);
  EXPECT_EQ(store.text("SELECT name FROM clusters WHERE id = '" + cluster->id + "'"), "deleted-" + cluster->id);
  EXPECT_FALSE(store->clusters().find_cluster(cluster->id));
  EXPECT_EQ(store.integer("SELECT count(*) FROM audit_log WHERE action = 'cluster.deleted' AND cluster_id = '" +
                          cluster->id + "'"),
            1);
  // Both the public-pool token and the cluster's are handed back for disconnection.
  EXPECT_EQ(erased->node_token_ids.size(), 2u);
  EXPECT_NE(std::find(erased->node_token_ids.begin(), erased->node_token_ids.end(), token->id),
            erased->node_token_ids.end());
  EXPECT_EQ(store.integer("SELECT count(*) FROM node_tokens WHERE revoked_at IS NULL"), 0);
}

// After deletion no text column of any table holds the user's email, the
// names they gave keys, tokens, nodes and clusters, or their nodes' details.
TEST_F(PersonalData, DeletionLeavesNoPersonalFieldInAnyTextColumn) {
  auto cluster = store->clusters().create_cluster(alice, "alices-private-lab");
  ASSERT_TRUE(cluster);
  auto token = store->list_node_tokens({alice, ""});
  ASSERT_TRUE(token && !token->empty());
  potluck::store::NodeRecord node;
  node.id = "node_alice_box";
  node.token_id = token->front().id;
  node.owner_id = alice;
  node.name = "alices-gpu-box";
  node.os = "alices-custom-os";
  node.arch = "alices-arch";
  node.version = "alices-build-7";
  node.models = R"(["alices-model"])";
  node.seen_at = 1;
  ASSERT_TRUE(store->upsert_node(node));
  const std::vector<std::string> personal = {"alice@example.test", "alice laptop", "alice gpu",
                                             "alices-gpu-box", "alices-custom-os", "alices-arch",
                                             "alices-build-7", "alices-private-lab"};
  auto found = [&] {
    std::vector<std::string> places;
    auto tables = store->database().prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    while (tables.step()) {
      const std::string table = tables.text(0);
      auto columns = store->database().prepare("SELECT name FROM pragma_table_info(?1) WHERE type = 'TEXT'");
      columns.bind(1, table);
      while (columns.step()) {
        const std::string column = columns.text(0);
        for (const auto& needle : personal) {
          auto hit = store->database().prepare("SELECT count(*) FROM \"" + table + "\" WHERE instr(\"" + column +
                                               "\", ?1) > 0");
          hit.bind(1, needle);
          hit.step();
          if (hit.integer(0) > 0) places.push_back(table + "." + column + ": " + needle);
        }
      }
    }
    return places;
  };
  ASSERT_EQ(found().size(), personal.size()) << "each is stored somewhere before deletion";
  auto erased = store->personal_data().erase_user(alice, 1'800'000'000'000);
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(erased->node_records_deleted, 1);
  EXPECT_EQ(found(), std::vector<std::string>{});
  auto check = store->audit().verify();
  ASSERT_TRUE(check);
  EXPECT_EQ(check->first_broken_seq, 0);
}

// The export lists every column kept about a job (but the row id and the
// user, who is the export's subject).
TEST_F(PersonalData, ExportCarriesEveryUsageColumn) {
  auto doc = export_of(alice);
  ASSERT_EQ(doc.at("usage_events").as_array().size(), 1u);
  const auto& row = doc.at("usage_events").at(0).as_object();
  auto columns = store->database().prepare("SELECT name FROM pragma_table_info('usage_events')");
  std::vector<std::string> missing;
  int listed = 0;
  while (columns.step()) {
    const std::string column = columns.text(0);
    ++listed;
    if (column != "id" && column != "user_id" && !row.contains(column)) missing.push_back(column);
  }
  EXPECT_GE(listed, 20);
  EXPECT_EQ(missing, std::vector<std::string>{});
  for (const char* column : {"language", "cpu_ms", "exit_code", "tier", "cluster_id", "node_id"})
    EXPECT_TRUE(row.contains(column)) << column;
}

}  // namespace
