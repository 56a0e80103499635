// A node id belongs to the owner of the token that first enrolled it
// (store/node_claim.h): upsert_node refuses anyone else's token, changes
// nothing when it does, and lets the owner come back with a new token.
#include "store/node_alias.h"
#include "store/node_claim.h"
#include "crypto/sha256.h"
#include "temp_store.h"

#include <gtest/gtest.h>

namespace potluck::store {
namespace {

class NodeClaimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    honest_ = store_->create_user("", "honest@example.test", store::Role::member).value().id;
    stranger_ = store_->create_user("", "stranger@example.test", store::Role::member).value().id;
    token("tok_honest", honest_);
    token("tok_honest_new", honest_);
    token("tok_stranger", stranger_);
    token("tok_platform", "");
    token("tok_platform_2", "");
  }

  void token(const std::string& id, const std::string& owner) {
    ASSERT_TRUE(store_->insert_node_token({id, owner, id, std::string(64, 'a'), 1, 0, ""}));
  }

  static NodeRecord hello(const std::string& node_id, const std::string& token_id, const std::string& owner,
                          const std::string& name) {
    return {node_id, token_id, owner, name, "linux", "x86_64", "1", R"(["m"])", 5, ""};
  }

  potluck::testing::TempStore store_;
  std::string honest_;
  std::string stranger_;
};

TEST_F(NodeClaimTest, AnotherOwnersTokenIsRefusedAndChangesNothing) {
  ASSERT_TRUE(store_->upsert_node(hello("node_1", "tok_honest", honest_, "honest-box")));
  ASSERT_TRUE(store_->set_node_trust("admin", "node_1", store::Trust::verified));

  auto taken = store_->upsert_node(hello("node_1", "tok_stranger", stranger_, "evil-box"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, StoreError::Kind::conflict);

  auto row = store_->find_node("node_1").value();
  EXPECT_EQ(row.token_id, "tok_honest");
  EXPECT_EQ(row.owner_id, honest_);
  EXPECT_EQ(row.name, "honest-box");
  EXPECT_EQ(row.trust, store::Trust::verified);
  EXPECT_EQ(store_.integer("SELECT count(*) FROM audit_log WHERE action = 'node.enrolled'"), 1);
}

TEST_F(NodeClaimTest, TheOwnerComesBackWithANewTokenAndKeepsTheRecord) {
  ASSERT_TRUE(store_->upsert_node(hello("node_1", "tok_honest", honest_, "box")));
  ASSERT_TRUE(store_->set_node_trust("admin", "node_1", store::Trust::verified));
  ASSERT_TRUE(store_->revoke_node_token(honest_, {honest_, ""}, "tok_honest", 9));

  auto back = store_->upsert_node(hello("node_1", "tok_honest_new", honest_, "box"));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->token_id, "tok_honest_new");
  EXPECT_EQ(back->trust, store::Trust::verified) << "the row as stored comes back, with its trust";
}

TEST_F(NodeClaimTest, APlatformTokensNodeIsBoundToThatToken) {
  ASSERT_TRUE(store_->upsert_node(hello("node_p", "tok_platform", "", "p")));
  EXPECT_TRUE(store_->upsert_node(hello("node_p", "tok_platform", "", "p")));
  EXPECT_FALSE(store_->upsert_node(hello("node_p", "tok_platform_2", "", "p")));
  EXPECT_FALSE(store_->upsert_node(hello("node_p", "tok_stranger", stranger_, "p")));
  // And an owner's node is not a platform token's to take either.
  ASSERT_TRUE(store_->upsert_node(hello("node_1", "tok_honest", honest_, "box")));
  EXPECT_FALSE(store_->upsert_node(hello("node_1", "tok_platform", "", "box")));
}

TEST(NodeClaimRule, SameTokenOrSameOwner) {
  EXPECT_TRUE(may_speak_for({"t1", "u1"}, {"t1", "u1"}));
  EXPECT_TRUE(may_speak_for({"t1", "u1"}, {"t2", "u1"}));
  EXPECT_FALSE(may_speak_for({"t1", "u1"}, {"t2", "u2"}));
  EXPECT_FALSE(may_speak_for({"t1", ""}, {"t2", ""}));
  EXPECT_TRUE(may_speak_for({"t1", ""}, {"t1", ""}));
}

TEST(NodeAlias, OthersSeeAStablePerViewerAliasOwnersTheId) {
  const std::string alias = node_id_for("user_c", "node_x", "user_p");
  EXPECT_EQ(alias, "alias_" + crypto::sha256_hex("user_c:node_x").substr(0, 12));
  EXPECT_EQ(node_id_for("user_c", "node_x", "user_p"), alias) << "stable";
  EXPECT_NE(node_id_for("user_d", "node_x", "user_p"), alias) << "per viewer";
  EXPECT_EQ(node_id_for("user_p", "node_x", "user_p"), "node_x") << "the owner sees the id";
  EXPECT_NE(node_id_for("", "node_x", ""), "node_x") << "an unknown owner is not the viewer";
  EXPECT_EQ(node_id_for("user_c", "", "user_p"), "") << "no node";
}

}  // namespace
}  // namespace potluck::store
