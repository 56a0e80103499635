#pragma once
// Row writers shared by the store operations that compose them into one
// transaction (sign-up is a user, an invite use, a membership and a key).
// Each runs inside the caller's Transaction and appends its own audit row,
// so an operation and its records commit or roll back together.
#include "store/store.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

// Audited as user.created.
void insert_user_row(Database& db, const User& user, const std::string& actor_id);
// Audited as key.issued.
void insert_api_key_row(Database& db, const ApiKey& key);
// Audited as cluster.member_joined.
void insert_member_row(Database& db, const std::string& cluster_id, const std::string& user_id,
                       const std::string& invite_id, std::int64_t now_ms);

inline constexpr std::string_view kInviteColumns =
    "id, cluster_id, created_by, created_at, expires_at, max_uses, uses, revoked_at";
Invite read_invite(const Statement& s);

// Checks a presented code (digest compared in constant time, expiry, uses,
// revocation) and spends one use; audited as invite.used by `user_id`.
// not_found: unknown id or wrong secret; gone: expired, used up or revoked.
Result<Invite> spend_invite(Database& db, const InviteClaim& claim, const std::string& user_id);

}  // namespace potluck::store::sqlite
