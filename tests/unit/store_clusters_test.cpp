// The cluster and invite store on a real SQLite file: invite expiry, uses
// and revocation, sign-up and join as single transactions, membership rules,
// node token scopes, and the audit rows each operation writes.
#include "coordinator/accounts.h"
#include "crypto/secret_token.h"
#include "store/sqlite/sqlite_store.h"
#include "store/usage.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace {
using namespace potluck;
using store::StoreError;
using Kind = store::StoreError::Kind;

constexpr std::int64_t kNow = 1'800'000'000'000;

class StoreClustersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("potluck-store-clusters-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = store::sqlite::SqliteStore::open(dir_.string());
    owner_ = make_user("owner@example.test");
    cluster_ = *store_->clusters().create_cluster(owner_, "team");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string make_user(const std::string& email) { return store_->create_user("", email, potluck::store::Role::member)->id; }

  // An invite minted like the coordinator does, with chosen terms.
  struct Code {
    std::string id;
    std::string code;
  };
  Code invite(const std::string& cluster_id, std::int64_t max_uses, std::int64_t expires_at) {
    auto minted = crypto::mint_token(crypto::kInviteCodePrefix);
    store::Invite record{minted.id, cluster_id, owner_, kNow, expires_at, max_uses};
    EXPECT_TRUE(store_->clusters().create_invite(record, minted.digest));
    return {minted.id, minted.token};
  }
  static store::InviteClaim claim(const Code& code, std::int64_t now = kNow) { return {code.id, code.code, now}; }

  std::int64_t count(const std::string& sql) {
    auto s = store_->database().prepare(sql);
    s.step();
    return s.integer(0);
  }
  std::int64_t audit_rows(const std::string& action) {
    return count("SELECT count(*) FROM audit_log WHERE action = '" + action + "'");
  }
  std::int64_t uses(const Code& code) { return count("SELECT uses FROM invites WHERE id = '" + code.id + "'"); }
  static store::ApiKey key() {
    auto minted = crypto::mint_token(crypto::kApiKeyPrefix);
    return {minted.id, "", "first key", minted.digest, "inference exec", kNow};
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::string owner_;
  store::Cluster cluster_;
};

TEST_F(StoreClustersTest, JoinSpendsOneUseAndAddsAMember) {
  auto code = invite(cluster_.id, 2, kNow + 60'000);
  auto bob = make_user("bob@example.test");
  auto joined = store_->clusters().join(bob, claim(code));
  ASSERT_TRUE(joined) << joined.error().message;
  EXPECT_EQ(joined->cluster_id, cluster_.id);
  EXPECT_EQ(joined->cluster_name, "team");
  EXPECT_EQ(joined->role, store::ClusterRole::member);
  EXPECT_EQ(uses(code), 1);
  auto members = store_->clusters().members(cluster_.id);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].role, store::ClusterRole::owner);
  EXPECT_EQ((*members)[1].user_id, bob);
  EXPECT_EQ(audit_rows("invite.used"), 1);
  EXPECT_EQ(audit_rows("cluster.member_joined"), 1);
}

TEST_F(StoreClustersTest, AnInviteIsGoneOnceUsedUp) {
  auto code = invite(cluster_.id, 1, kNow + 60'000);
  ASSERT_TRUE(store_->clusters().join(make_user("a@example.test"), claim(code)));
  auto second = store_->clusters().join(make_user("b@example.test"), claim(code));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, Kind::gone);
  EXPECT_NE(second.error().message.find("used up"), std::string::npos);
  EXPECT_EQ(uses(code), 1);
}

TEST_F(StoreClustersTest, AnInviteIsGoneAtItsExpiry) {
  auto code = invite(cluster_.id, 5, kNow + 1000);
  auto user = make_user("late@example.test");
  auto at_expiry = store_->clusters().join(user, claim(code, kNow + 1000));
  ASSERT_FALSE(at_expiry);
  EXPECT_EQ(at_expiry.error().kind, Kind::gone);
  EXPECT_NE(at_expiry.error().message.find("expired"), std::string::npos);
  EXPECT_EQ(uses(code), 0);
  EXPECT_TRUE(store_->clusters().join(user, claim(code, kNow + 999)));
}

TEST_F(StoreClustersTest, ARevokedInviteIsGone) {
  auto code = invite(cluster_.id, 5, kNow + 60'000);
  store_->database().exec("UPDATE invites SET revoked_at = 1 WHERE id = '" + code.id + "'");
  auto refused = store_->clusters().join(make_user("x@example.test"), claim(code));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::gone);
}

TEST_F(StoreClustersTest, InvitesAreRevokedWithinTheirScopeOnly) {
  auto cluster_code = invite(cluster_.id, 5, kNow + 60'000);
  auto platform_code = invite("", 5, kNow + 60'000);
  // A platform revocation cannot reach a cluster's invite, nor the reverse.
  auto wrong_scope = store_->clusters().revoke_invite(owner_, "", cluster_code.id, kNow);
  ASSERT_FALSE(wrong_scope);
  EXPECT_EQ(wrong_scope.error().kind, Kind::not_found);
  EXPECT_FALSE(store_->clusters().revoke_invite(owner_, cluster_.id, platform_code.id, kNow));
  auto revoked = store_->clusters().revoke_invite(owner_, cluster_.id, cluster_code.id, kNow);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->revoked_at, kNow);
  ASSERT_TRUE(store_->clusters().revoke_invite(owner_, cluster_.id, cluster_code.id, kNow + 5));
  EXPECT_EQ(audit_rows("invite.revoked"), 1);
  auto refused = store_->clusters().join(make_user("x@example.test"), claim(cluster_code));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::gone);
  EXPECT_NE(refused.error().message.find("revoked"), std::string::npos);
}

TEST_F(StoreClustersTest, AWrongSecretIsAnUnknownCode) {
  auto code = invite(cluster_.id, 5, kNow + 60'000);
  auto forged = crypto::mint_token(crypto::kInviteCodePrefix);
  const std::string wrong = "pli_" + code.id + forged.token.substr(4 + code.id.size());
  auto refused = store_->clusters().join(make_user("x@example.test"), {code.id, wrong, kNow});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::not_found);
  EXPECT_EQ(uses(code), 0);
  EXPECT_EQ(audit_rows("invite.used"), 0);
}

TEST_F(StoreClustersTest, AMemberJoiningAgainSpendsNothing) {
  auto code = invite(cluster_.id, 5, kNow + 60'000);
  auto refused = store_->clusters().join(owner_, claim(code));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::conflict);
  EXPECT_EQ(uses(code), 0);
  EXPECT_EQ(audit_rows("invite.used"), 0);
}

TEST_F(StoreClustersTest, APlatformInviteDoesNotJoinAClusterAndIsNotSpent) {
  auto code = invite("", 5, kNow + 60'000);
  auto refused = store_->clusters().join(make_user("x@example.test"), claim(code));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::invalid);
  EXPECT_EQ(uses(code), 0);
}

TEST_F(StoreClustersTest, SignupWithAClusterInviteCreatesUserKeyAndMembership) {
  auto code = invite(cluster_.id, 1, kNow + 60'000);
  auto first = key();
  auto signed_up = store_->signup(claim(code), "new@example.test", first);
  ASSERT_TRUE(signed_up) << signed_up.error().message;
  EXPECT_EQ(signed_up->cluster_id, cluster_.id);
  EXPECT_EQ(signed_up->user.role, store::Role::member);
  auto stored_key = store_->find_api_key(first.id);
  ASSERT_TRUE(stored_key);
  EXPECT_EQ(stored_key->user_id, signed_up->user.id);
  EXPECT_TRUE(store_->clusters().membership(cluster_.id, signed_up->user.id));
  // The new user is the actor of their own sign-up records.
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE actor_id = '" + signed_up->user.id +
                  "' AND action IN ('invite.used', 'user.created', 'key.issued', 'cluster.member_joined')"),
            4);
}

TEST_F(StoreClustersTest, AFailedSignupWritesNothing) {
  auto code = invite("", 2, kNow + 60'000);
  const auto users = count("SELECT count(*) FROM users");
  const auto audit = count("SELECT count(*) FROM audit_log");
  auto taken = store_->signup(claim(code), "owner@example.test", key());
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, Kind::conflict);
  auto expired = store_->signup(claim(code, kNow + 60'000), "fresh@example.test", key());
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().kind, Kind::gone);
  EXPECT_EQ(uses(code), 0);
  EXPECT_EQ(count("SELECT count(*) FROM users"), users);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log"), audit);
}

TEST_F(StoreClustersTest, TheOwnerCannotLeaveOrBeRemoved) {
  auto left = store_->clusters().leave(cluster_.id, owner_);
  ASSERT_FALSE(left);
  EXPECT_EQ(left.error().kind, Kind::invalid);
  auto removed = store_->clusters().remove_member(owner_, cluster_.id, owner_);
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().kind, Kind::invalid);
  EXPECT_TRUE(store_->clusters().membership(cluster_.id, owner_));
}

TEST_F(StoreClustersTest, MembersLeaveAndAreRemovedWithAuditRows) {
  auto code = invite(cluster_.id, 2, kNow + 60'000);
  auto bob = make_user("bob@example.test");
  auto carol = make_user("carol@example.test");
  ASSERT_TRUE(store_->clusters().join(bob, claim(code)));
  ASSERT_TRUE(store_->clusters().join(carol, claim(code)));
  ASSERT_TRUE(store_->clusters().leave(cluster_.id, bob));
  ASSERT_TRUE(store_->clusters().remove_member(owner_, cluster_.id, carol));
  EXPECT_FALSE(store_->clusters().membership(cluster_.id, bob));
  EXPECT_FALSE(store_->clusters().membership(cluster_.id, carol));
  EXPECT_EQ(audit_rows("cluster.member_left"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'cluster.member_removed' AND actor_id = '" +
                  owner_ + "' AND subject_id = '" + carol + "'"),
            1);
  auto again = store_->clusters().leave(cluster_.id, bob);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, Kind::not_found);
}

TEST_F(StoreClustersTest, InvitesAreListedPerClusterOrPlatform) {
  invite(cluster_.id, 1, kNow + 1);
  invite("", 1, kNow + 1);
  invite("", 1, kNow + 1);
  EXPECT_EQ(store_->clusters().list_invites(cluster_.id)->size(), 1u);
  EXPECT_EQ(store_->clusters().list_invites("")->size(), 2u);
  EXPECT_EQ(audit_rows("invite.created"), 3);
  // Only the digest is stored, never the code.
  EXPECT_EQ(count("SELECT count(*) FROM invites WHERE length(sha256) = 64"), 3);
}

TEST_F(StoreClustersTest, NodeTokensAreRevokedOnlyWithinTheirScope) {
  auto provider = make_user("provider@example.test");
  auto own = coordinator::issue_node_token(*store_, provider, "public");
  auto cluster_token = coordinator::issue_node_token(*store_, owner_, "team", cluster_.id);
  const store::NodeTokenScope provider_scope{provider, ""};
  const store::NodeTokenScope cluster_scope{owner_, cluster_.id};
  ASSERT_EQ(store_->list_node_tokens(provider_scope)->size(), 1u);
  ASSERT_EQ(store_->list_node_tokens(cluster_scope)->size(), 1u);
  // The owner's public scope does not hold the cluster's token.
  EXPECT_TRUE(store_->list_node_tokens({owner_, ""})->empty());
  auto outside = store_->revoke_node_token(provider, provider_scope, cluster_token->id, kNow);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().kind, Kind::not_found);
  auto revoked = store_->revoke_node_token(owner_, cluster_scope, cluster_token->id, kNow);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->revoked_at, kNow);
  EXPECT_EQ(audit_rows("node_token.revoked"), 1);
  // Revoking twice is not a second event.
  ASSERT_TRUE(store_->revoke_node_token(owner_, cluster_scope, cluster_token->id, kNow + 1));
  EXPECT_EQ(audit_rows("node_token.revoked"), 1);
  EXPECT_FALSE(store_->find_node_token(own->id)->revoked_at);
}

TEST_F(StoreClustersTest, TheAuditChainStaysIntact) {
  auto code = invite(cluster_.id, 3, kNow + 60'000);
  auto bob = make_user("bob@example.test");
  ASSERT_TRUE(store_->clusters().join(bob, claim(code)));
  ASSERT_TRUE(store_->clusters().leave(cluster_.id, bob));
  auto check = store_->audit().verify();
  ASSERT_TRUE(check);
  EXPECT_EQ(check->first_broken_seq, 0) << check->reason;
  EXPECT_GT(check->rows, 5);
}

// DELETE /api/clusters/{id}'s data side: the owner only; invites and node
// tokens revoked, memberships and node records gone, usage rows without the
// cluster, a nameless tombstone, one audit row; a second delete is not_found.
TEST_F(StoreClustersTest, DeletingAClusterErasesWhatWasKeptForIt) {
  const auto member = make_user("member@example.test");
  auto code = invite(cluster_.id, 5, kNow + 60'000);
  ASSERT_TRUE(store_->clusters().join(member, claim(code)));
  auto token = coordinator::issue_node_token(*store_, owner_, "rack one", cluster_.id);
  ASSERT_TRUE(token);
  store::NodeRecord node;
  node.id = "node_in_cluster";
  node.token_id = token->id;
  node.owner_id = owner_;
  node.name = "rack-box";
  node.os = node.arch = node.version = "x";
  node.models = "[]";
  node.cluster_id = cluster_.id;
  ASSERT_TRUE(store_->upsert_node(node));
  store::UsageEvent event;
  event.ts_ms = kNow;
  event.job_id = "job_in_cluster";
  event.user_id = member;
  event.model = "m";
  event.kind = "chat";
  event.status = store::UsageStatus::ok;
  event.cluster_id = cluster_.id;
  ASSERT_TRUE(store_->insert_usage({event}));
  store_->database().exec(
      "INSERT INTO usage_daily (day, user_id, cluster_id, model, kind, status, jobs, prompt_tokens, "
      "completion_tokens, latency_ms_total, cost) VALUES ('2026-01-01', 'u', '" + cluster_.id +
      "', 'm', 'chat', 'ok', 2, 1, 1, 1, 0), ('2026-01-01', 'u', '', 'm', 'chat', 'ok', 1, 1, 1, 1, 0)");

  auto by_member = store_->clusters().delete_cluster(member, cluster_.id, kNow);
  ASSERT_FALSE(by_member);
  EXPECT_EQ(by_member.error().kind, Kind::invalid);

  auto deleted = store_->clusters().delete_cluster(owner_, cluster_.id, kNow);
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(deleted->former_members.size(), 2u);
  EXPECT_EQ(deleted->node_token_ids, std::vector<std::string>{token->id});
  EXPECT_EQ(deleted->invites_revoked, 1);
  EXPECT_EQ(deleted->node_records_deleted, 1);
  EXPECT_EQ(deleted->usage_events_anonymised, 1);
  const std::string id = "'" + cluster_.id + "'";
  EXPECT_EQ(count("SELECT count(*) FROM cluster_members WHERE cluster_id = " + id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM nodes"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM node_tokens WHERE revoked_at IS NULL OR name <> ''"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM usage_events WHERE cluster_id IS NOT NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM usage_daily WHERE cluster_id = " + id), 0);
  EXPECT_EQ(count("SELECT jobs FROM usage_daily WHERE cluster_id = ''"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM clusters WHERE name = 'team'"), 0);
  EXPECT_FALSE(store_->clusters().find_cluster(cluster_.id));
  EXPECT_EQ(store_->clusters().memberships(member)->size(), 0u);
  EXPECT_EQ(store_->clusters().join(make_user("late@example.test"), claim(code)).error().kind, Kind::gone);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'cluster.deleted' AND cluster_id = " + id), 1);
  EXPECT_EQ(store_->clusters().delete_cluster(owner_, cluster_.id, kNow).error().kind, Kind::not_found);
  // The name is free again.
  EXPECT_TRUE(store_->clusters().create_cluster(member, "team"));
  auto check = store_->audit().verify();
  ASSERT_TRUE(check);
  EXPECT_EQ(check->first_broken_seq, 0) << check->reason;
}

}  // namespace
