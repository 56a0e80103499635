#include "store/sqlite/migrations.h"

#include <array>
#include <string>

namespace potluck::store::sqlite {
namespace {

// Append only: a migration, once released, is never edited.
constexpr std::array<std::string_view, 10> kMigrations = {
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
    // 2: accounts, private clusters, tiers and trust, the credits ledger,
    // the audit chain and usage aggregates.
    R"sql(
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
CREATE TABLE clusters (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  owner_id TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL
);
CREATE TABLE cluster_members (
  cluster_id TEXT NOT NULL REFERENCES clusters(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, user_id)
);
CREATE INDEX cluster_members_user ON cluster_members(user_id);
-- Invite codes: a NULL cluster is a platform (sign-up) invite.
CREATE TABLE invites (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  cluster_id TEXT REFERENCES clusters(id),
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  max_uses INTEGER NOT NULL CHECK (max_uses > 0),
  uses INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER
);
ALTER TABLE api_keys ADD COLUMN cluster_id TEXT REFERENCES clusters(id);
ALTER TABLE node_tokens ADD COLUMN cluster_id TEXT REFERENCES clusters(id);
ALTER TABLE nodes ADD COLUMN cluster_id TEXT;
ALTER TABLE nodes ADD COLUMN trust TEXT NOT NULL DEFAULT 'community';
ALTER TABLE nodes ADD COLUMN trust_set_by TEXT;
ALTER TABLE nodes ADD COLUMN jobs_ok INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN usage_mismatches INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN flagged_at INTEGER;
-- Service classes of the public pool; prices in micro-credits per million tokens.
CREATE TABLE tiers (
  name TEXT PRIMARY KEY,
  models TEXT NOT NULL,
  min_trust TEXT NOT NULL CHECK (min_trust IN ('community', 'verified')),
  max_price_in INTEGER NOT NULL CHECK (max_price_in >= 0),
  max_price_out INTEGER NOT NULL CHECK (max_price_out >= 0),
  created_at INTEGER NOT NULL
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Double entry in integer micro-credits: the rows of one transfer sum to
-- zero, and a balance is the sum of an account's rows.
CREATE TABLE ledger (
  id INTEGER PRIMARY KEY,
  transfer_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  account TEXT NOT NULL,
  amount INTEGER NOT NULL,
  kind TEXT NOT NULL,
  job_id TEXT,
  memo TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ledger_account ON ledger(account, id);
CREATE INDEX ledger_transfer ON ledger(transfer_id);
CREATE INDEX ledger_job ON ledger(job_id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
ALTER TABLE usage_events ADD COLUMN cluster_id TEXT;
ALTER TABLE usage_events ADD COLUMN tier TEXT;
ALTER TABLE usage_events ADD COLUMN language TEXT;
ALTER TABLE usage_events ADD COLUMN cost INTEGER NOT NULL DEFAULT 0;
CREATE INDEX usage_events_ts ON usage_events(ts);
-- Usage older than the retention, folded by day; '' stands for none.
CREATE TABLE usage_daily (
  day TEXT NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  cluster_id TEXT NOT NULL DEFAULT '',
  node_id TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  tier TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  jobs INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms_total INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  UNIQUE (day, user_id, cluster_id, node_id, model, kind, tier, status)
);
-- Append-only, tamper evident: each row carries the SHA-256 of the row before.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  actor_id TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  subject_id TEXT NOT NULL DEFAULT '',
  cluster_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}',
  prev_sha256 TEXT NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE INDEX audit_log_cluster ON audit_log(cluster_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
    // 3: exec jobs: the program's CPU time (what exec is priced
    // by) and its exit status (shell style: 128 + signal when killed).
    R"sql(
ALTER TABLE usage_events ADD COLUMN cpu_ms INTEGER;
ALTER TABLE usage_events ADD COLUMN exit_code INTEGER;
)sql",
    // 4: a deleted cluster stays as a nameless tombstone (its id is still
    // named by audit rows and by keys that had it as their default).
    R"sql(
ALTER TABLE clusters ADD COLUMN deleted_at INTEGER;
)sql",
    // 5: earned trust counts a node's distinct paying consumers.
    R"sql(
CREATE INDEX usage_events_node_user ON usage_events(node_id, user_id);
)sql",
    // 6: each account's balance kept beside its rows, written in the same
    // transaction as every transfer, so a hold reads one row instead of
    // summing the payer's whole history. An account whose balance is zero has
    // no row (settled escrows leave none behind). `potluck admin ledger check`
    // and the coordinator's periodic check compare it with the sums.
    R"sql(
CREATE TABLE account_balances (
  account TEXT PRIMARY KEY,
  balance INTEGER NOT NULL CHECK (balance != 0)
) WITHOUT ROWID;
INSERT INTO account_balances (account, balance)
  SELECT account, sum(amount) FROM ledger GROUP BY account HAVING sum(amount) != 0;
)sql",
    // 7: the `account` scope (keys, node tokens, export, deletion). Keys that
    // held every consumer scope could manage the account before and keep
    // that; a key its owner narrowed to inference or exec alone does not
    // gain it. Scopes are stored in the enum's order (access_levels.h).
    R"sql(
UPDATE api_keys SET scopes = 'inference exec account' WHERE scopes = 'inference exec';
UPDATE api_keys SET scopes = 'inference exec account admin' WHERE scopes = 'inference exec admin';
)sql",
    // 8: when each model was first offered in each placement (cluster id,
    // '' for the public pool): the stable `created` of its /v1/models entry.
    // Seeded from the node records kept so far. Written to run again (tests
    // rewind user_version to replay the migrations after it).
    R"sql(
CREATE TABLE IF NOT EXISTS models_first_seen (
  cluster_id TEXT NOT NULL,
  model TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, model)
) WITHOUT ROWID;
INSERT OR IGNORE INTO models_first_seen (cluster_id, model, first_seen)
  SELECT coalesce(nodes.cluster_id, ''), models.value, min(nodes.first_seen)
  FROM nodes, json_each(nodes.models) AS models
  WHERE json_valid(nodes.models) AND models.type = 'text'
  GROUP BY 1, 2;
)sql",
    // 9: retention prunes the audit rows of a cluster deleted long ago. Each
    // run of consecutive rows it removes is recorded here under the
    // audit.pruned checkpoint row that removed it (whose detail carries the
    // runs' digest), so verify continues the chain across the gap
    // (store/audit_chain.h). The delete trigger now lets a row go only once a
    // run covers it; the runs themselves are append-only.
    R"sql(
CREATE TABLE audit_pruned_runs (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  last_sha256 TEXT NOT NULL,
  checkpoint_seq INTEGER NOT NULL
);
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  WHEN coalesce((SELECT last_seq FROM audit_pruned_runs WHERE first_seq <= OLD.seq
                 ORDER BY first_seq DESC LIMIT 1), 0) < OLD.seq
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_pruned_runs_no_update BEFORE UPDATE ON audit_pruned_runs
  BEGIN SELECT RAISE(ABORT, 'pruned runs are append-only'); END;
CREATE TRIGGER audit_pruned_runs_no_delete BEFORE DELETE ON audit_pruned_runs
  BEGIN SELECT RAISE(ABORT, 'pruned runs are append-only'); END;
)sql",
    // 10: Lightning top-ups and payouts (store/payments.h). A payment hash is
    // unique in each table: an invoice is credited once and paid once.
    R"sql(
CREATE TABLE IF NOT EXISTS topups (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  payment_hash TEXT NOT NULL UNIQUE,
  invoice TEXT NOT NULL,
  sats INTEGER NOT NULL CHECK (sats > 0),
  amount INTEGER NOT NULL CHECK (amount > 0),
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  settled_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS topups_by_user ON topups (user_id, created_at);
CREATE INDEX IF NOT EXISTS topups_unsettled ON topups (created_at) WHERE state != 'settled';
CREATE TABLE IF NOT EXISTS payouts (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  payment_hash TEXT NOT NULL UNIQUE,
  invoice TEXT NOT NULL,
  sats INTEGER NOT NULL CHECK (sats > 0),
  amount INTEGER NOT NULL CHECK (amount > 0),
  state TEXT NOT NULL,
  fee_sat INTEGER NOT NULL DEFAULT 0,
  failure TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS payouts_by_user ON payouts (user_id, created_at);
CREATE INDEX IF NOT EXISTS payouts_in_flight ON payouts (created_at) WHERE state = 'in_flight';
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
