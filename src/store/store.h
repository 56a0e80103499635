#pragma once
// The storage interface the coordinator talks to. Implementations: SQLite
// (embedded default) and, for scale-out, PostgreSQL. Calls are synchronous and
// must be made from the store's own executor, never from a network thread.
// Nothing here ever receives request or response text: metadata only.
#include "store/audit.h"
#include "store/clusters.h"
#include "store/ledger.h"
#include "store/payments.h"
#include "store/access_levels.h"
#include "store/result.h"
#include "store/usage_outcome.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace potluck::store {

// Declared in store/usage.h and store/personal_data.h, which use the records
// below.
class UsageStore;
class PersonalDataStore;

struct User {
  std::string id;
  std::string email;
  Role role = Role::member;
  std::int64_t created_at = 0;
  std::int64_t deleted_at = 0;  // 0 = active
};

struct ApiKey {
  std::string id;
  std::string user_id;
  std::string name;
  std::string sha256;
  std::string scopes;  // space-separated Scope texts, in Scope order
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;  // 0 = never
  std::int64_t revoked_at = 0;    // 0 = active
  std::string cluster_id;         // set: the key's jobs go to this cluster by default
};

struct NodeToken {
  std::string id;
  std::string owner_id;  // may be empty (platform token)
  std::string name;
  std::string sha256;
  std::int64_t created_at = 0;
  std::int64_t revoked_at = 0;
  std::string cluster_id;  // set: nodes enrolled with it serve only this cluster
};

struct NodeRecord {
  std::string id;
  std::string token_id;
  std::string owner_id;
  std::string name;
  std::string os;
  std::string arch;
  std::string version;
  std::string models;  // JSON array of model ids
  std::int64_t seen_at = 0;
  std::string cluster_id;
  // Kept by the coordinator, not written by upsert_node:
  Trust trust = Trust::community;
  std::int64_t jobs_ok = 0;
  std::int64_t usage_mismatches = 0;  // usage reports that disagreed with the relay
  // Distinct users, other than the node's owner, who paid for a job it
  // completed (in the usage rows still kept): read, never written.
  std::int64_t paying_consumers = 0;
};

// When a model was first offered in a placement: the `created` of its
// /v1/models entry, kept across restarts.
struct ModelFirstSeen {
  std::string cluster_id;  // empty: the public pool
  std::string model;
  std::int64_t first_seen_ms = 0;
};
// Rows kept at most: a node that renames its models over and over stops
// adding rows here (its new models get `created` = now, unremembered).
inline constexpr std::int64_t kMaxModelsFirstSeen = 20'000;

struct UsageEvent {
  std::int64_t ts_ms = 0;
  std::string job_id;
  std::string user_id;
  std::string key_id;
  std::string node_id;
  std::string model;
  std::string kind;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t ttft_ms = -1;  // -1 = no token arrived
  std::int64_t latency_ms = 0;
  UsageStatus status = UsageStatus::ok;
  std::optional<FailureCode> error_code;  // none when ok
  std::string cluster_id;  // the cluster the job ran in; empty: public pool
  std::string tier;        // when the request named a tier
  std::string language;    // exec jobs
  std::int64_t cpu_ms = -1;     // exec jobs: the program's CPU time (-1 otherwise)
  std::int64_t exit_code = -1;  // exec jobs: 128 + signal when the program was killed
  std::int64_t cost = 0;   // micro-credits charged
  std::optional<Settlement> settlement;  // written with the event
  bool usage_mismatch = false;           // the node's usage report disagreed with the relay
  // Read back only (UsageStore::events), while the node's record is kept: who
  // owns the node and its name (what a consumer is shown, store/node_alias.h).
  std::string node_owner_id;
  std::string node_name;
};

// Whose node tokens: a provider's public-pool tokens (owner set, cluster
// empty) or a cluster's tokens (cluster set).
struct NodeTokenScope {
  std::string owner_id;
  std::string cluster_id;
};

struct Signup {
  User user;
  std::string cluster_id;  // set when the invite was a cluster's
};

// A named service class of the public pool.
struct Tier {
  std::string name;
  std::vector<std::string> models;
  Trust min_trust = Trust::community;
  std::int64_t max_price_in = 0;   // micro-credits per million input tokens
  std::int64_t max_price_out = 0;  // micro-credits per million output tokens
};

class Store {
 public:
  virtual ~Store() = default;

  virtual ClusterStore& clusters() = 0;
  virtual LedgerStore& ledger() = 0;
  virtual PaymentStore& payments() = 0;
  virtual AuditStore& audit() = 0;
  virtual UsageStore& usage() = 0;
  virtual PersonalDataStore& personal_data() = 0;

  // Audited as user.created (actor: who created it; empty for offline admin).
  virtual Result<User> create_user(const std::string& actor_id, const std::string& email, Role role) = 0;
  virtual Result<User> find_user(const std::string& id) = 0;
  virtual Result<User> find_user_by_email(const std::string& email) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  // The user and their first key (its user_id is filled in) in one
  // transaction. conflict: the email is taken.
  virtual Result<User> create_user_with_key(const std::string& actor_id, const std::string& email,
                                            Role role, ApiKey first_key) = 0;
  // Invite-only sign-up, one transaction: one use of the invite, the user
  // (member), membership of the invite's cluster if it has one, the first key.
  // Errors as ClusterStore::join, plus conflict: the email is taken.
  virtual Result<Signup> signup(const InviteClaim& claim, const std::string& email, ApiKey first_key) = 0;

  // Audited as key.issued.
  virtual Result<void> insert_api_key(const ApiKey& key) = 0;
  virtual Result<ApiKey> find_api_key(const std::string& id) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& user_id) = 0;
  // Marks the key revoked; not_found if it is not the user's (or unknown).
  virtual Result<ApiKey> revoke_api_key(const std::string& user_id, const std::string& key_id,
                                        std::int64_t now) = 0;
  virtual Result<void> touch_api_keys(const std::vector<std::pair<std::string, std::int64_t>>& used) = 0;

  // Audited as node_token.issued.
  virtual Result<void> insert_node_token(const NodeToken& token) = 0;
  virtual Result<NodeToken> find_node_token(const std::string& id) = 0;
  virtual Result<std::vector<NodeToken>> list_node_tokens(const NodeTokenScope& scope) = 0;
  // Audited as node_token.revoked. not_found: no such token in the scope.
  virtual Result<NodeToken> revoke_node_token(const std::string& actor_id, const NodeTokenScope& scope,
                                              const std::string& token_id, std::int64_t now) = 0;

  // Records a node's hello or status and returns its row as stored (with the
  // trust and counters the coordinator keeps). A node seen for the first time
  // is audited as node.enrolled. conflict: the id is recorded under another
  // owner's token (store/node_claim.h); nothing is changed. A model the node
  // offers for the first time in its placement is noted as first seen at
  // `seen_at` (below kMaxModelsFirstSeen rows).
  virtual Result<NodeRecord> upsert_node(const NodeRecord& node) = 0;
  virtual Result<std::vector<NodeRecord>> list_nodes() = 0;
  virtual Result<std::vector<ModelFirstSeen>> list_models_first_seen() = 0;
  virtual Result<NodeRecord> find_node(const std::string& id) = 0;
  // Retention: deletes the records of nodes last seen before `cutoff_ms`,
  // except those in `connected` (a node connected for months is not gone).
  // Returns how many went.
  virtual Result<std::int64_t> delete_nodes_unseen_since(std::int64_t cutoff_ms,
                                                         const std::vector<std::string>& connected) = 0;
  // An admin clears a node's count of usage reports above what it relayed
  // (a suspended node gets public jobs again); audited as
  // node.mismatches_cleared with the count cleared. not_found for no node.
  virtual Result<std::int64_t> clear_node_mismatches(const std::string& actor_id, const std::string& node_id) = 0;
  // An admin sets a node's trust level; audited as node.trust_set.
  virtual Result<void> set_node_trust(const std::string& actor_id, const std::string& node_id, Trust trust) = 0;

  // All events, with their settlements and node counters, in one transaction.
  virtual Result<void> insert_usage(const std::vector<UsageEvent>& events) = 0;
  virtual Result<std::int64_t> count_usage() = 0;

  virtual Result<std::vector<Tier>> list_tiers() = 0;
  virtual Result<void> put_tier(const std::string& actor_id, const Tier& tier) = 0;
  virtual Result<void> delete_tier(const std::string& actor_id, const std::string& name) = 0;

  // A write that changes nothing, committed: storage_unavailable while the
  // database cannot be written (disk full, read-only, I/O error). The
  // readiness check (coordinator/storage_health.h) runs it.
  virtual Result<void> check_writable() = 0;

  // Small platform settings (pricing bounds, fee); empty when unset.
  virtual Result<std::string> setting(const std::string& key) = 0;
  // All in one transaction, audited as settings.changed.
  virtual Result<void> put_settings(const std::string& actor_id,
                                    const std::vector<std::pair<std::string, std::string>>& values) = 0;
};

}  // namespace potluck::store
