#pragma once
// A user's own data: all of it exported as one document, or erased when the
// account is deleted. Erasure keeps what others rely on (ledger rows, the
// audit chain, anonymised usage) and removes what identifies the person.
#include "store/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace potluck::store {

struct AccountErasure {
  std::vector<std::string> key_ids;  // every key of the user, now revoked
  // Their nodes (and those of the clusters deleted with the account) are
  // disconnected by these.
  std::vector<std::string> node_token_ids;
  std::int64_t node_tokens_revoked = 0;
  std::int64_t node_records_deleted = 0;
  std::int64_t clusters_deleted = 0;  // owned alone: deleted as DELETE /api/clusters/{id} does
  std::int64_t usage_events_anonymised = 0;
  std::int64_t memberships_removed = 0;
};

class PersonalDataStore {
 public:
  virtual ~PersonalDataStore() = default;
  // The user's record, keys (never digests), memberships, clusters owned,
  // invites created, node tokens and nodes, usage, the ledger rows of their
  // account and the audit rows they are actor or subject of, as a JSON object.
  // Audited as data.exported. not_found: no such user.
  virtual Result<std::string> export_user(const std::string& user_id) = 0;
  // In one transaction: revokes the user's keys, node tokens and invites,
  // replaces the email by a placeholder, clears free-text names, deletes the
  // user's node records and the clusters they own alone, anonymises usage
  // (events and daily aggregates), removes memberships. Ledger rows stay as
  // they are. Audited as account.deleted.
  // not_found: no such user or already deleted; conflict: the user owns a
  // cluster that still has other members.
  virtual Result<AccountErasure> erase_user(const std::string& user_id, std::int64_t now_ms) = 0;
};

}  // namespace potluck::store
