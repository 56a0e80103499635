#include "store/sqlite/migrations.h"

#include <array>
#include <string>

namespace potluck::store::sqlite {
namespace {

// Append only: a migration, once released, is never edited.
constexpr std::array<std::string_view, 2> kMigrations = {
    R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id);
CREATE TABLE node_tokens (
  id TEXT PRIMARY KEY,
  owner_id TEXT REFERENCES users(id),
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  token_id TEXT NOT NULL REFERENCES node_tokens(id),
  owner_id TEXT,
  name TEXT NOT NULL,
  os TEXT NOT NULL,
  arch TEXT NOT NULL,
  version TEXT NOT NULL,
  models TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE TABLE usage_events (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  job_id TEXT NOT NULL UNIQUE,
  user_id TEXT,
  key_id TEXT,
  node_id TEXT,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  ttft_ms INTEGER,
  latency_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  error_code TEXT
);
CREATE INDEX usage_events_user_ts ON usage_events(user_id, ts);
)sql",
    // Exec jobs: the language, the program's CPU time (what exec is priced
    // by) and its exit status (shell style: 128 + signal when killed).
    R"sql(
ALTER TABLE usage_events ADD COLUMN language TEXT;
ALTER TABLE usage_events ADD COLUMN cpu_ms INTEGER;
ALTER TABLE usage_events ADD COLUMN exit_code INTEGER;
)sql",
};

}  // namespace

int migrate(Database& db) {
  auto version_stmt = db.prepare("PRAGMA user_version");
  version_stmt.step();
  int version = static_cast<int>(version_stmt.integer(0));
  for (int next = version; next < static_cast<int>(kMigrations.size()); ++next) {
    Transaction tx(db);
    db.exec(kMigrations[next]);
    db.exec("PRAGMA user_version = " + std::to_string(next + 1));
    tx.commit();
  }
  return static_cast<int>(kMigrations.size());
}

}  // namespace potluck::store::sqlite
