#include "store/sqlite/sqlite_store.h"

#include "common/clock.h"

#include "common/ids.h"
#include "store/sqlite/migrations.h"

#include <chrono>
#include <filesystem>

namespace potluck::store::sqlite {
namespace {


StoreError not_found(std::string what) { return {StoreError::Kind::not_found, std::move(what)}; }

User read_user(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.integer(3)};
}

ApiKey read_key(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4),
          s.integer(5), s.integer(6), s.integer(7)};
}

constexpr std::string_view kKeyColumns =
    "id, user_id, name, sha256, scopes, created_at, last_used_at, revoked_at";

}  // namespace

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& data_dir) {
  std::filesystem::create_directories(data_dir);
  return std::make_unique<SqliteStore>((std::filesystem::path(data_dir) / "potluck.db").string());
}

SqliteStore::SqliteStore(const std::string& path) : db_(path) { migrate(db_); }

// Turns wrapper exceptions into StoreError values at the interface boundary.
template <class F>
auto SqliteStore::guarded(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SqliteError& e) {
    if (e.is_constraint()) return std::unexpected(StoreError{StoreError::Kind::conflict, e.what()});
    return std::unexpected(StoreError{StoreError::Kind::io, e.what()});
  }
}

Result<User> SqliteStore::create_user(const std::string& email, const std::string& role) {
  return guarded([&]() -> Result<User> {
    User user{make_id("usr_", 16), email, role, unix_now_ms()};
    db_.prepare("INSERT INTO users (id, email, role, created_at) VALUES (?, ?, ?, ?)")
        .bind(1, user.id).bind(2, user.email).bind(3, user.role).bind(4, user.created_at)
        .step();
    return user;
  });
}

Result<User> SqliteStore::find_user(const std::string& id) {
  return guarded([&]() -> Result<User> {
    auto s = db_.prepare("SELECT id, email, role, created_at FROM users WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("user"));
    return read_user(s);
  });
}

Result<User> SqliteStore::find_user_by_email(const std::string& email) {
  return guarded([&]() -> Result<User> {
    auto s = db_.prepare("SELECT id, email, role, created_at FROM users WHERE email = ?");
    s.bind(1, email);
    if (!s.step()) return std::unexpected(not_found("user"));
    return read_user(s);
  });
}

Result<void> SqliteStore::insert_api_key(const ApiKey& key) {
  return guarded([&]() -> Result<void> {
    db_.prepare("INSERT INTO api_keys (id, user_id, name, sha256, scopes, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, key.id).bind(2, key.user_id).bind(3, key.name).bind(4, key.sha256)
        .bind(5, key.scopes).bind(6, key.created_at)
        .step();
    return {};
  });
}

Result<ApiKey> SqliteStore::find_api_key(const std::string& id) {
  return guarded([&]() -> Result<ApiKey> {
    auto s = db_.prepare(std::string("SELECT ") + std::string(kKeyColumns) +
                         " FROM api_keys WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("api key"));
    return read_key(s);
  });
}

Result<std::vector<ApiKey>> SqliteStore::list_api_keys(const std::string& user_id) {
  return guarded([&]() -> Result<std::vector<ApiKey>> {
    auto s = db_.prepare(std::string("SELECT ") + std::string(kKeyColumns) +
                         " FROM api_keys WHERE user_id = ? ORDER BY created_at, id");
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
    auto s = db_.prepare(std::string("SELECT ") + std::string(kKeyColumns) +
                         " FROM api_keys WHERE id = ? AND user_id = ?");
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
    db_.prepare("INSERT INTO node_tokens (id, owner_id, name, sha256, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, token.id).bind_optional(2, token.owner_id).bind(3, token.name)
        .bind(4, token.sha256).bind(5, token.created_at)
        .step();
    return {};
  });
}

Result<NodeToken> SqliteStore::find_node_token(const std::string& id) {
  return guarded([&]() -> Result<NodeToken> {
    auto s = db_.prepare("SELECT id, owner_id, name, sha256, created_at, revoked_at "
                         "FROM node_tokens WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("node token"));
    return NodeToken{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5)};
  });
}

Result<void> SqliteStore::upsert_node(const NodeRecord& node) {
  return guarded([&]() -> Result<void> {
    db_.prepare(
           "INSERT INTO nodes (id, token_id, owner_id, name, os, arch, version, models, first_seen, last_seen) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
           "ON CONFLICT(id) DO UPDATE SET token_id = ?2, owner_id = ?3, name = ?4, os = ?5, "
           "arch = ?6, version = ?7, models = ?8, last_seen = ?9")
        .bind(1, node.id).bind(2, node.token_id).bind_optional(3, node.owner_id)
        .bind(4, node.name).bind(5, node.os).bind(6, node.arch).bind(7, node.version)
        .bind(8, node.models).bind(9, node.seen_at)
        .step();
    return {};
  });
}

Result<std::vector<NodeRecord>> SqliteStore::list_nodes() {
  return guarded([&]() -> Result<std::vector<NodeRecord>> {
    auto s = db_.prepare("SELECT id, token_id, owner_id, name, os, arch, version, models, last_seen "
                         "FROM nodes ORDER BY last_seen DESC");
    std::vector<NodeRecord> nodes;
    while (s.step())
      nodes.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                       s.text(6), s.text(7), s.integer(8)});
    return nodes;
  });
}

Result<void> SqliteStore::insert_usage(const std::vector<UsageEvent>& events) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    auto s = db_.prepare(
        "INSERT INTO usage_events (ts, job_id, user_id, key_id, node_id, model, kind, prompt_tokens, "
        "completion_tokens, ttft_ms, latency_ms, status, error_code, language, cpu_ms, exit_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& e : events) {
      s.bind(1, e.ts_ms).bind(2, e.job_id).bind_optional(3, e.user_id).bind_optional(4, e.key_id)
          .bind_optional(5, e.node_id).bind(6, e.model).bind(7, e.kind).bind(8, e.prompt_tokens)
          .bind(9, e.completion_tokens).bind(11, e.latency_ms).bind(12, e.status)
          .bind_optional(13, e.error_code);
      if (e.ttft_ms < 0) s.bind_null(10); else s.bind(10, e.ttft_ms);
      s.bind_optional(14, e.language);
      if (e.cpu_ms < 0) s.bind_null(15); else s.bind(15, e.cpu_ms);
      if (e.exit_code < 0) s.bind_null(16); else s.bind(16, e.exit_code);
      s.step();
      s.reset();
    }
    tx.commit();
    return {};
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
