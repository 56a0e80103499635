#include "store/sqlite/account_rows.h"

#include "crypto/secret_token.h"
#include "store/sqlite/sqlite_audit.h"

#include <boost/json.hpp>

namespace potluck::store::sqlite {
namespace json = boost::json;
namespace {

StoreError gone(std::string why) { return {StoreError::Kind::gone, std::move(why)}; }

struct StoredInvite {
  Invite invite;
  std::string sha256;
};

std::optional<StoredInvite> find_invite(Database& db, const std::string& id) {
  auto s = db.prepare("SELECT " + std::string(kInviteColumns) + ", sha256 FROM invites WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return StoredInvite{read_invite(s), s.text(8)};
}

}  // namespace

Invite read_invite(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4), s.integer(5), s.integer(6), s.integer(7)};
}

void insert_user_row(Database& db, const User& user, const std::string& actor_id) {
  db.prepare("INSERT INTO users (id, email, role, created_at) VALUES (?, ?, ?, ?)")
      .bind(1, user.id).bind(2, user.email).bind(3, to_string(user.role)).bind(4, user.created_at)
      .step();
  append_audit(db, {actor_id, "user.created", user.id, "",
                    json::serialize(json::object{{"role", to_string(user.role)}})});
}

void insert_api_key_row(Database& db, const ApiKey& key) {
  db.prepare("INSERT INTO api_keys (id, user_id, name, sha256, scopes, created_at, cluster_id) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(1, key.id).bind(2, key.user_id).bind(3, key.name).bind(4, key.sha256)
      .bind(5, key.scopes).bind(6, key.created_at).bind_optional(7, key.cluster_id)
      .step();
  append_audit(db, {key.user_id, "key.issued", key.id, key.cluster_id,
                    json::serialize(json::object{{"scopes", key.scopes}})});
}

void insert_member_row(Database& db, const std::string& cluster_id, const std::string& user_id,
                       const std::string& invite_id, std::int64_t now_ms) {
  db.prepare("INSERT INTO cluster_members (cluster_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)")
      .bind(1, cluster_id).bind(2, user_id).bind(3, now_ms)
      .step();
  append_audit(db, {user_id, "cluster.member_joined", user_id, cluster_id,
                    json::serialize(json::object{{"invite_id", invite_id}})});
}

Result<Invite> spend_invite(Database& db, const InviteClaim& claim, const std::string& user_id) {
  auto stored = find_invite(db, claim.invite_id);
  // A wrong secret for a real id answers exactly like an unknown id.
  if (!stored || !crypto::token_matches(claim.code, stored->sha256))
    return std::unexpected(not_found("no such invite code"));
  Invite& invite = stored->invite;
  if (invite.revoked_at) return std::unexpected(gone("this invite code has been revoked"));
  if (invite.expires_at <= claim.now_ms) return std::unexpected(gone("this invite code has expired"));
  if (invite.uses >= invite.max_uses)
    return std::unexpected(gone("this invite code has been used up (" + std::to_string(invite.max_uses) +
                                " of " + std::to_string(invite.max_uses) + " uses)"));
  db.prepare("UPDATE invites SET uses = uses + 1 WHERE id = ?").bind(1, invite.id).step();
  ++invite.uses;
  append_audit(db, {user_id, "invite.used", invite.id, invite.cluster_id,
                    json::serialize(json::object{{"uses", invite.uses}, {"max_uses", invite.max_uses}})});
  return invite;
}

}  // namespace potluck::store::sqlite
