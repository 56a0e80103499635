#pragma once
// The storage interface the coordinator talks to. Implementations: SQLite
// (embedded default) and, for scale-out, PostgreSQL. Calls are synchronous and
// must be made from the store's own executor, never from a network thread.
// Nothing here ever receives request or response text: metadata only.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace potluck::store {

struct StoreError {
  enum class Kind { not_found, conflict, invalid, io } kind = Kind::io;
  std::string message;
};

template <class T>
using Result = std::expected<T, StoreError>;

struct User {
  std::string id;
  std::string email;
  std::string role;  // "admin" | "member"
  std::int64_t created_at = 0;
};

struct ApiKey {
  std::string id;
  std::string user_id;
  std::string name;
  std::string sha256;
  std::string scopes;  // space-separated: inference exec admin
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;  // 0 = never
  std::int64_t revoked_at = 0;    // 0 = active
};

struct NodeToken {
  std::string id;
  std::string owner_id;  // may be empty (platform token)
  std::string name;
  std::string sha256;
  std::int64_t created_at = 0;
  std::int64_t revoked_at = 0;
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
};

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
  std::string status;      // ok | error | cancelled | timeout
  std::string error_code;  // empty when ok
  // Exec jobs only (empty / -1 otherwise).
  std::string language;
  std::int64_t cpu_ms = -1;
  std::int64_t exit_code = -1;  // 128 + signal when the program was killed
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<User> create_user(const std::string& email, const std::string& role) = 0;
  virtual Result<User> find_user(const std::string& id) = 0;
  virtual Result<User> find_user_by_email(const std::string& email) = 0;

  virtual Result<void> insert_api_key(const ApiKey& key) = 0;
  virtual Result<ApiKey> find_api_key(const std::string& id) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& user_id) = 0;
  // Marks the key revoked; not_found if it is not the user's (or unknown).
  virtual Result<ApiKey> revoke_api_key(const std::string& user_id, const std::string& key_id,
                                        std::int64_t now) = 0;
  virtual Result<void> touch_api_keys(const std::vector<std::pair<std::string, std::int64_t>>& used) = 0;

  virtual Result<void> insert_node_token(const NodeToken& token) = 0;
  virtual Result<NodeToken> find_node_token(const std::string& id) = 0;

  virtual Result<void> upsert_node(const NodeRecord& node) = 0;
  virtual Result<std::vector<NodeRecord>> list_nodes() = 0;

  // All events in one transaction.
  virtual Result<void> insert_usage(const std::vector<UsageEvent>& events) = 0;
  virtual Result<std::int64_t> count_usage() = 0;
};

}  // namespace potluck::store
