// Account operations that write several rows in one transaction: an admin
// creating a user with a first key, and invite-only sign-up.
#include "store/sqlite/sqlite_store.h"

#include "common/clock.h"
#include "common/ids.h"
#include "store/sqlite/account_rows.h"
#include "store/sqlite/guarded.h"

namespace potluck::store::sqlite {
namespace {

User new_user(const std::string& email, Role role) {
  return {make_id("usr_", 16), email, role, unix_now_ms()};
}

// The user and their first key; the caller holds the transaction.
void insert_user_with_key(Database& db, const std::string& actor_id, const User& user, ApiKey& first_key) {
  insert_user_row(db, user, actor_id);
  first_key.user_id = user.id;
  insert_api_key_row(db, first_key);
}

bool email_taken(Database& db, const std::string& email) {
  auto s = db.prepare("SELECT 1 FROM users WHERE email = ?");
  s.bind(1, email);
  return s.step();
}

StoreError email_conflict() { return {StoreError::Kind::conflict, "a user with this email exists"}; }

}  // namespace

Result<User> SqliteStore::create_user_with_key(const std::string& actor_id, const std::string& email,
                                               Role role, ApiKey first_key) {
  return guarded([&]() -> Result<User> {
    Transaction tx(db_);
    if (email_taken(db_, email)) return std::unexpected(email_conflict());
    auto user = new_user(email, role);
    insert_user_with_key(db_, actor_id, user, first_key);
    tx.commit();
    return user;
  });
}

Result<Signup> SqliteStore::signup(const InviteClaim& claim, const std::string& email, ApiKey first_key) {
  return guarded([&]() -> Result<Signup> {
    Transaction tx(db_);
    // Self sign-up: the new user is the actor of their own records.
    Signup result{new_user(email, Role::member), ""};
    auto invite = spend_invite(db_, claim, result.user.id);
    if (!invite) return std::unexpected(invite.error());
    if (email_taken(db_, email)) return std::unexpected(email_conflict());
    insert_user_with_key(db_, result.user.id, result.user, first_key);
    result.cluster_id = invite->cluster_id;
    if (!invite->cluster_id.empty())
      insert_member_row(db_, invite->cluster_id, result.user.id, invite->id, claim.now_ms);
    tx.commit();
    return result;
  });
}

}  // namespace potluck::store::sqlite
