#pragma once
#include "store/sqlite/database.h"
#include "store/sqlite/sqlite_audit.h"
#include "store/sqlite/sqlite_clusters.h"
#include "store/sqlite/sqlite_ledger.h"
#include "store/sqlite/sqlite_payments.h"
#include "store/sqlite/sqlite_personal_data.h"
#include "store/sqlite/sqlite_usage.h"
#include "store/store.h"

#include <memory>

namespace potluck::store::sqlite {

// The embedded default store: one SQLite file in the data dir, WAL mode.
// Not thread-safe: one executor thread owns it.
class SqliteStore final : public Store {
 public:
  // Opens `<data_dir>/potluck.db` (created when missing) and refuses, with a
  // std::runtime_error that says what to do, a database that is read-only,
  // damaged, or empty where one existed (startup_checks.h). Migrates nothing.
  static std::unique_ptr<SqliteStore> open_checked(const std::string& data_dir);
  // open_checked, then migrate: for the offline commands and the tests.
  static std::unique_ptr<SqliteStore> open(const std::string& data_dir);
  // The file as it is: no checks, no migration.
  explicit SqliteStore(const std::string& path);

  // Applies the migrations this version has and the database lacks, then
  // marks the data dir as holding a database. Throws on failure (start-up).
  void migrate();

  Result<void> check_writable() override;

  ClusterStore& clusters() override { return clusters_; }
  LedgerStore& ledger() override { return ledger_; }
  PaymentStore& payments() override { return payments_; }
  AuditStore& audit() override { return audit_; }
  UsageStore& usage() override { return usage_; }
  PersonalDataStore& personal_data() override { return personal_data_; }

  Result<User> create_user(const std::string& actor_id, const std::string& email, Role role) override;
  Result<User> find_user(const std::string& id) override;
  Result<User> find_user_by_email(const std::string& email) override;
  Result<std::vector<User>> list_users() override;
  Result<User> create_user_with_key(const std::string& actor_id, const std::string& email,
                                    Role role, ApiKey first_key) override;
  Result<Signup> signup(const InviteClaim& claim, const std::string& email, ApiKey first_key) override;

  Result<void> insert_api_key(const ApiKey& key) override;
  Result<ApiKey> find_api_key(const std::string& id) override;
  Result<std::vector<ApiKey>> list_api_keys(const std::string& user_id) override;
  Result<ApiKey> revoke_api_key(const std::string& user_id, const std::string& key_id,
                                std::int64_t now) override;
  Result<void> touch_api_keys(const std::vector<std::pair<std::string, std::int64_t>>& used) override;

  Result<void> insert_node_token(const NodeToken& token) override;
  Result<NodeToken> find_node_token(const std::string& id) override;
  Result<std::vector<NodeToken>> list_node_tokens(const NodeTokenScope& scope) override;
  Result<NodeToken> revoke_node_token(const std::string& actor_id, const NodeTokenScope& scope,
                                      const std::string& token_id, std::int64_t now) override;

  Result<NodeRecord> upsert_node(const NodeRecord& node) override;
  Result<std::vector<NodeRecord>> list_nodes() override;
  Result<std::vector<ModelFirstSeen>> list_models_first_seen() override;
  Result<NodeRecord> find_node(const std::string& id) override;
  Result<std::int64_t> delete_nodes_unseen_since(std::int64_t cutoff_ms,
                                                 const std::vector<std::string>& connected) override;
  Result<void> set_node_trust(const std::string& actor_id, const std::string& node_id, Trust trust) override;
  Result<std::int64_t> clear_node_mismatches(const std::string& actor_id, const std::string& node_id) override;

  Result<void> insert_usage(const std::vector<UsageEvent>& events) override;
  Result<std::int64_t> count_usage() override;

  Result<std::vector<Tier>> list_tiers() override;
  Result<void> put_tier(const std::string& actor_id, const Tier& tier) override;
  Result<void> delete_tier(const std::string& actor_id, const std::string& name) override;

  Result<std::string> setting(const std::string& key) override;
  Result<void> put_settings(const std::string& actor_id,
                            const std::vector<std::pair<std::string, std::string>>& values) override;

  Database& database() { return db_; }

 private:
  Database db_;
  std::string data_dir_;  // empty when opened by path
  SqliteClusterStore clusters_{db_};
  SqliteLedgerStore ledger_{db_};
  SqlitePaymentStore payments_{db_};
  SqliteAuditStore audit_{db_};
  SqliteUsageStore usage_{db_};
  SqlitePersonalDataStore personal_data_{db_};
};

}  // namespace potluck::store::sqlite
