#include "store/sqlite/sqlite_store.h"

#include "common/clock.h"
#include "common/ids.h"
#include "store/node_claim.h"
#include "store/sqlite/account_rows.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/startup_checks.h"

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include <fcntl.h>
#include <unistd.h>

namespace potluck::store::sqlite {
namespace {


// Text this version does not write reads as the least privilege.
User read_user(const Statement& s) {
  return {s.text(0), s.text(1), role_from(s.text(2)).value_or(Role::member), s.integer(3), s.integer(4)};
}

constexpr std::string_view kUserColumns = "id, email, role, created_at, deleted_at";

ApiKey read_key(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4),
          s.integer(5), s.integer(6), s.integer(7), s.text(8)};
}

constexpr std::string_view kKeyColumns =
    "id, user_id, name, sha256, scopes, created_at, last_used_at, revoked_at, cluster_id";

std::string select(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
}

}  // namespace

// The database holds account e-mails, key digests and the ledger: only its
// owner may read it. A data dir made here is 0700; an existing one is the
// operator's choice and keeps its mode. The database file loses any group or
// other permission (0600 when made here) but gains none: a file its owner
// made read-only stays so, and is refused. SQLite gives its -wal and -shm
// files the database file's mode.
std::unique_ptr<SqliteStore> SqliteStore::open_checked(const std::string& data_dir) {
  namespace fs = std::filesystem;
  if (!fs::exists(data_dir)) {
    fs::create_directories(data_dir);
    fs::permissions(data_dir, fs::perms::owner_all, fs::perm_options::replace);
  }
  const fs::path path = fs::path(data_dir) / "potluck.db";
  if (!fs::exists(path)) {
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  constexpr auto kNotOwner = fs::perms::group_all | fs::perms::others_all;
  if ((fs::status(path).permissions() & kNotOwner) != fs::perms::none)
    fs::permissions(path, kNotOwner, fs::perm_options::remove);
  check_not_emptied(data_dir);
  try {
    auto store = std::make_unique<SqliteStore>(path.string());
    check_integrity(store->db_);
    check_has_schema(store->db_, data_dir);
    store->data_dir_ = data_dir;
    return store;
  } catch (const SqliteError& e) {
    throw std::runtime_error(startup_refusal(e, path.string()));
  }
}

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& data_dir) {
  auto store = open_checked(data_dir);
  store->migrate();
  return store;
}

SqliteStore::SqliteStore(const std::string& path) : db_(path) {}

void SqliteStore::migrate() {
  sqlite::migrate(db_);
  if (!data_dir_.empty()) mark_created(data_dir_);
}

// Rewrites the schema version with its own value: a real commit (page 1 goes
// to the WAL and is synced) that changes nothing, so it fails exactly when
// writes fail (a full disk, a read-only or vanished file).
Result<void> SqliteStore::check_writable() {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    auto version = db_.prepare("PRAGMA user_version");
    version.step();
    db_.exec("PRAGMA user_version = " + std::to_string(version.integer(0)));
    tx.commit();
    return {};
  });
}

Result<User> SqliteStore::create_user(const std::string& actor_id, const std::string& email, Role role) {
  return guarded([&]() -> Result<User> {
    Transaction tx(db_);
    User user{make_id("usr_", 16), email, role, unix_now_ms()};
    insert_user_row(db_, user, actor_id);
    tx.commit();
    return user;
  });
}

Result<User> SqliteStore::find_user(const std::string& id) {
  return guarded([&]() -> Result<User> {
    auto s = db_.prepare(select(kUserColumns, "FROM users WHERE id = ?"));
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("user"));
    return read_user(s);
  });
}

Result<User> SqliteStore::find_user_by_email(const std::string& email) {
  return guarded([&]() -> Result<User> {
    auto s = db_.prepare(select(kUserColumns, "FROM users WHERE email = ?"));
    s.bind(1, email);
    if (!s.step()) return std::unexpected(not_found("user"));
    return read_user(s);
  });
}

Result<std::vector<User>> SqliteStore::list_users() {
  return guarded([&]() -> Result<std::vector<User>> {
    auto s = db_.prepare(select(kUserColumns, "FROM users ORDER BY created_at, id"));
    std::vector<User> users;
    while (s.step()) users.push_back(read_user(s));
    return users;
  });
}

Result<void> SqliteStore::insert_api_key(const ApiKey& key) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    insert_api_key_row(db_, key);
    tx.commit();
    return {};
  });
}

Result<ApiKey> SqliteStore::find_api_key(const std::string& id) {
  return guarded([&]() -> Result<ApiKey> {
    auto s = db_.prepare(select(kKeyColumns, "FROM api_keys WHERE id = ?"));
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("api key"));
    return read_key(s);
  });
}

Result<std::vector<ApiKey>> SqliteStore::list_api_keys(const std::string& user_id) {
  return guarded([&]() -> Result<std::vector<ApiKey>> {
    auto s = db_.prepare(select(kKeyColumns, "FROM api_keys WHERE user_id = ? ORDER BY created_at, id"));
    s.bind(1, user_id);
    std::vector<ApiKey> keys;
    while (s.step()) keys.push_back(read_key(s));
    return keys;
  });
}

Result<ApiKey> SqliteStore::revoke_api_key(const std::string& user_id, const std::string& key_id,
                                           std::int64_t now) {
  return guarded([&]() -> Result<ApiKey> {
    Transaction tx(db_);
    db_.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
        .bind(1, now).bind(2, key_id).bind(3, user_id)
        .step();
    if (db_.changes() > 0) append_audit(db_, {user_id, "key.revoked", key_id});
    auto s = db_.prepare(select(kKeyColumns, "FROM api_keys WHERE id = ? AND user_id = ?"));
    s.bind(1, key_id).bind(2, user_id);
    if (!s.step()) return std::unexpected(not_found("api key"));
    auto key = read_key(s);
    tx.commit();
    return key;
  });
}

Result<void> SqliteStore::touch_api_keys(const std::vector<std::pair<std::string, std::int64_t>>& used) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    auto s = db_.prepare("UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?");
    for (const auto& [id, at] : used) {
      s.bind(1, at).bind(2, id);
      s.step();
      s.reset();
    }
    tx.commit();
    return {};
  });
}

Result<void> SqliteStore::insert_node_token(const NodeToken& token) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    db_.prepare("INSERT INTO node_tokens (id, owner_id, name, sha256, created_at, cluster_id) "
                "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, token.id).bind_optional(2, token.owner_id).bind(3, token.name)
        .bind(4, token.sha256).bind(5, token.created_at).bind_optional(6, token.cluster_id)
        .step();
    append_audit(db_, {token.owner_id, "node_token.issued", token.id, token.cluster_id});
    tx.commit();
    return {};
  });
}

namespace {
constexpr std::string_view kNodeTokenColumns = "id, owner_id, name, sha256, created_at, revoked_at, cluster_id";

NodeToken read_node_token(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5), s.text(6)};
}

// Matches ?1 = owner, ?2 = cluster: a cluster's tokens, or an owner's public ones.
constexpr std::string_view kInNodeTokenScope =
    "((?2 <> '' AND cluster_id = ?2) OR (?2 = '' AND cluster_id IS NULL AND owner_id = ?1))";
}  // namespace

Result<NodeToken> SqliteStore::find_node_token(const std::string& id) {
  return guarded([&]() -> Result<NodeToken> {
    auto s = db_.prepare(select(kNodeTokenColumns, "FROM node_tokens WHERE id = ?"));
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("node token"));
    return read_node_token(s);
  });
}

Result<std::vector<NodeToken>> SqliteStore::list_node_tokens(const NodeTokenScope& scope) {
  return guarded([&]() -> Result<std::vector<NodeToken>> {
    auto s = db_.prepare(select(kNodeTokenColumns, "FROM node_tokens WHERE " + std::string(kInNodeTokenScope) +
                                                       " ORDER BY created_at, id"));
    s.bind(1, scope.owner_id).bind(2, scope.cluster_id);
    std::vector<NodeToken> tokens;
    while (s.step()) tokens.push_back(read_node_token(s));
    return tokens;
  });
}

Result<NodeToken> SqliteStore::revoke_node_token(const std::string& actor_id, const NodeTokenScope& scope,
                                                 const std::string& token_id, std::int64_t now) {
  return guarded([&]() -> Result<NodeToken> {
    Transaction tx(db_);
    const std::string in_scope = "WHERE id = ?3 AND " + std::string(kInNodeTokenScope);
    db_.prepare("UPDATE node_tokens SET revoked_at = ?4 " + in_scope + " AND revoked_at IS NULL")
        .bind(1, scope.owner_id).bind(2, scope.cluster_id).bind(3, token_id).bind(4, now)
        .step();
    if (db_.changes() > 0) append_audit(db_, {actor_id, "node_token.revoked", token_id, scope.cluster_id});
    auto s = db_.prepare(select(kNodeTokenColumns, "FROM node_tokens " + in_scope));
    s.bind(1, scope.owner_id).bind(2, scope.cluster_id).bind(3, token_id);
    if (!s.step()) return std::unexpected(not_found("node token"));
    auto token = read_node_token(s);
    tx.commit();
    return token;
  });
}

namespace {
constexpr std::string_view kNodeColumns =
    "id, token_id, owner_id, name, os, arch, version, models, last_seen, cluster_id, trust, jobs_ok, "
    "usage_mismatches, (SELECT COUNT(DISTINCT u.user_id) FROM usage_events u WHERE u.node_id = nodes.id "
    "AND u.status = 'ok' AND u.cost > 0 AND u.user_id <> '' AND u.user_id <> coalesce(nodes.owner_id, ''))";

NodeRecord read_node(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
          s.text(7), s.integer(8), s.text(9), trust_from(s.text(10)).value_or(Trust::community),
          s.integer(11), s.integer(12), s.integer(13)};
}

std::optional<NodeRecord> find_node_row(Database& db, const std::string& id) {
  auto s = db.prepare(select(kNodeColumns, "FROM nodes WHERE id = ?"));
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_node(s);
}
}  // namespace

Result<NodeRecord> SqliteStore::upsert_node(const NodeRecord& node) {
  return guarded([&]() -> Result<NodeRecord> {
    Transaction tx(db_);
    auto known = find_node_row(db_, node.id);
    if (known && !may_speak_for({known->token_id, known->owner_id}, {node.token_id, node.owner_id}))
      return std::unexpected(StoreError{StoreError::Kind::conflict, "node id belongs to another owner"});
    if (!known)
      append_audit(db_, {node.owner_id, "node.enrolled", node.id, node.cluster_id,
                         R"({"token_id":")" + node.token_id + "\"}"});
    db_.prepare(
           "INSERT INTO nodes (id, token_id, owner_id, name, os, arch, version, models, first_seen, "
           "last_seen, cluster_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10) "
           "ON CONFLICT(id) DO UPDATE SET token_id = ?2, owner_id = ?3, name = ?4, os = ?5, "
           "arch = ?6, version = ?7, models = ?8, last_seen = ?9, cluster_id = ?10")
        .bind(1, node.id).bind(2, node.token_id).bind_optional(3, node.owner_id)
        .bind(4, node.name).bind(5, node.os).bind(6, node.arch).bind(7, node.version)
        .bind(8, node.models).bind(9, node.seen_at).bind_optional(10, node.cluster_id)
        .step();
    db_.prepare(
           "INSERT OR IGNORE INTO models_first_seen (cluster_id, model, first_seen) "
           "SELECT ?1, value, ?2 FROM json_each(?3) WHERE type = 'text' "
           "AND (SELECT count(*) FROM models_first_seen) < ?4")
        .bind(1, node.cluster_id).bind(2, node.seen_at).bind(3, node.models).bind(4, kMaxModelsFirstSeen)
        .step();
    auto stored = find_node_row(db_, node.id);
    tx.commit();
    return *stored;
  });
}

Result<std::vector<NodeRecord>> SqliteStore::list_nodes() {
  return guarded([&]() -> Result<std::vector<NodeRecord>> {
    auto s = db_.prepare(select(kNodeColumns, "FROM nodes ORDER BY last_seen DESC"));
    std::vector<NodeRecord> nodes;
    while (s.step()) nodes.push_back(read_node(s));
    return nodes;
  });
}

Result<std::vector<ModelFirstSeen>> SqliteStore::list_models_first_seen() {
  return guarded([&]() -> Result<std::vector<ModelFirstSeen>> {
    auto s = db_.prepare("SELECT cluster_id, model, first_seen FROM models_first_seen");
    std::vector<ModelFirstSeen> seen;
    while (s.step()) seen.push_back({s.text(0), s.text(1), s.integer(2)});
    return seen;
  });
}

Result<NodeRecord> SqliteStore::find_node(const std::string& id) {
  return guarded([&]() -> Result<NodeRecord> {
    auto node = find_node_row(db_, id);
    if (!node) return std::unexpected(not_found("node"));
    return *node;
  });
}

Result<void> SqliteStore::set_node_trust(const std::string& actor_id, const std::string& node_id, Trust trust) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    db_.prepare("UPDATE nodes SET trust = ?, trust_set_by = ? WHERE id = ?")
        .bind(1, to_string(trust)).bind(2, actor_id).bind(3, node_id)
        .step();
    if (db_.changes() == 0) return std::unexpected(not_found("node"));
    append_audit(db_, {actor_id, "node.trust_set", node_id, "", R"({"trust":")" + std::string(to_string(trust)) + "\"}"});
    tx.commit();
    return {};
  });
}

Result<std::int64_t> SqliteStore::clear_node_mismatches(const std::string& actor_id, const std::string& node_id) {
  return guarded([&]() -> Result<std::int64_t> {
    Transaction tx(db_);
    auto read = db_.prepare("SELECT usage_mismatches FROM nodes WHERE id = ?");
    read.bind(1, node_id);
    if (!read.step()) return std::unexpected(not_found("node"));
    const std::int64_t cleared = read.integer(0);
    db_.prepare("UPDATE nodes SET usage_mismatches = 0, flagged_at = NULL WHERE id = ?").bind(1, node_id).step();
    append_audit(db_, {actor_id, "node.mismatches_cleared", node_id, "",
                       R"({"cleared":)" + std::to_string(cleared) + "}"});
    tx.commit();
    return cleared;
  });
}

Result<void> SqliteStore::insert_usage(const std::vector<UsageEvent>& events) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    auto s = db_.prepare(
        "INSERT INTO usage_events (ts, job_id, user_id, key_id, node_id, model, kind, prompt_tokens, "
        "completion_tokens, ttft_ms, latency_ms, status, error_code, cluster_id, tier, language, cost, cpu_ms, "
        "exit_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job_id) DO NOTHING");
    // A node's counters move with one UPDATE per batch, not one per job
    // (a batch holds every job that ended in the last 100 ms).
    struct NodeTally {
      std::int64_t ok = 0;
      std::int64_t mismatches = 0;
      std::int64_t flagged_at = 0;
    };
    std::unordered_map<std::string_view, NodeTally> tallies;
    for (const auto& e : events) {
      s.bind(1, e.ts_ms).bind(2, e.job_id).bind_optional(3, e.user_id).bind_optional(4, e.key_id)
          .bind_optional(5, e.node_id).bind(6, e.model).bind(7, e.kind).bind(8, e.prompt_tokens)
          .bind(9, e.completion_tokens).bind(11, e.latency_ms).bind(12, to_string(e.status))
          .bind_optional(13, to_string(e.error_code)).bind_optional(14, e.cluster_id).bind_optional(15, e.tier)
          .bind_optional(16, e.language).bind(17, e.cost);
      if (e.ttft_ms < 0) s.bind_null(10); else s.bind(10, e.ttft_ms);
      if (e.cpu_ms < 0) s.bind_null(18); else s.bind(18, e.cpu_ms);
      if (e.exit_code < 0) s.bind_null(19); else s.bind(19, e.exit_code);
      s.step();
      s.reset();
      // A job already recorded (a retried batch) is neither counted nor
      // charged a second time.
      if (db_.changes() == 0) continue;
      if (e.settlement) post_settlement(db_, e.job_id, *e.settlement);
      if (e.node_id.empty()) continue;
      auto& tally = tallies[e.node_id];
      tally.ok += e.status == UsageStatus::ok;
      if (e.usage_mismatch) {
        ++tally.mismatches;
        tally.flagged_at = std::max(tally.flagged_at, e.ts_ms);
      }
    }
    auto count = db_.prepare(
        "UPDATE nodes SET jobs_ok = jobs_ok + ?2, usage_mismatches = usage_mismatches + ?3, "
        "flagged_at = CASE WHEN ?3 > 0 THEN ?4 ELSE flagged_at END WHERE id = ?1");
    for (const auto& [node_id, tally] : tallies) {
      if (tally.ok == 0 && tally.mismatches == 0) continue;
      count.bind(1, node_id).bind(2, tally.ok).bind(3, tally.mismatches).bind(4, tally.flagged_at);
      count.step();
      count.reset();
    }
    tx.commit();
    return {};
  });
}

Result<std::int64_t> SqliteStore::delete_nodes_unseen_since(std::int64_t cutoff_ms,
                                                            const std::vector<std::string>& connected) {
  return guarded([&]() -> Result<std::int64_t> {
    boost::json::array keep;
    for (const auto& id : connected) keep.emplace_back(id);
    db_.prepare("DELETE FROM nodes WHERE last_seen < ?1 AND id NOT IN (SELECT value FROM json_each(?2))")
        .bind(1, cutoff_ms)
        .bind(2, boost::json::serialize(keep))
        .step();
    return db_.changes();
  });
}

Result<std::int64_t> SqliteStore::count_usage() {
  return guarded([&]() -> Result<std::int64_t> {
    auto s = db_.prepare("SELECT count(*) FROM usage_events");
    s.step();
    return s.integer(0);
  });
}

}  // namespace potluck::store::sqlite
