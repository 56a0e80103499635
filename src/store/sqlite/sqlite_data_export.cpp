// GET /api/me/export's data: every row about one user, read table by table
// with explicit column lists, so digests of secrets are never part of it.
#include "store/ledger.h"
#include "store/node_alias.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"
#include "store/sqlite/sqlite_personal_data.h"
#include "store/sqlite/sqlite_ledger.h"

#include <boost/json.hpp>

#include <array>

namespace potluck::store::sqlite {
namespace json = boost::json;
namespace {

struct Section {
  std::string_view name;
  std::string_view sql;  // ?1: the user id, or with by_account the user's ledger account
  bool by_account = false;
  // Rows name the node of a job, with node_owner_id: other owners' node ids
  // are not the user's data and become aliases (store/node_alias.h).
  bool names_nodes = false;
};

#define POTLUCK_NODE_OF(table)                                                   \
  "(SELECT owner_id FROM nodes WHERE nodes.id = " table ".node_id) AS node_owner_id, " \
  "(SELECT name FROM nodes WHERE nodes.id = " table ".node_id) AS node_name "

// Times are Unix milliseconds, as stored.
constexpr std::array<Section, 13> kSections{{
    {"keys", "SELECT id, name, scopes, cluster_id, created_at, last_used_at, revoked_at "
             "FROM api_keys WHERE user_id = ?1 ORDER BY created_at, id"},
    {"memberships", "SELECT m.cluster_id, c.name AS cluster_name, m.role, m.joined_at "
                    "FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id "
                    "WHERE m.user_id = ?1 ORDER BY m.joined_at"},
    {"clusters_owned", "SELECT id, name, created_at, deleted_at FROM clusters WHERE owner_id = ?1 "
                       "ORDER BY created_at"},
    {"invites_created", "SELECT id, cluster_id, created_at, expires_at, max_uses, uses, revoked_at "
                        "FROM invites WHERE created_by = ?1 ORDER BY created_at"},
    {"node_tokens", "SELECT id, name, cluster_id, created_at, revoked_at FROM node_tokens "
                    "WHERE owner_id = ?1 ORDER BY created_at"},
    {"nodes", "SELECT id, token_id, name, os, arch, version, models, cluster_id, trust, jobs_ok, "
              "usage_mismatches, first_seen, last_seen FROM nodes WHERE owner_id = ?1 ORDER BY first_seen"},
    {"usage_events", "SELECT ts, job_id, key_id, node_id, cluster_id, model, kind, tier, language, "
                     "prompt_tokens, completion_tokens, ttft_ms, latency_ms, cpu_ms, exit_code, status, error_code, cost, "
                     POTLUCK_NODE_OF("usage_events") "FROM usage_events WHERE user_id = ?1 ORDER BY ts, id", false, true},
    {"usage_daily", "SELECT day, cluster_id, node_id, model, kind, tier, status, jobs, prompt_tokens, "
                    "completion_tokens, latency_ms_total, cost, " POTLUCK_NODE_OF("usage_daily")
                    "FROM usage_daily WHERE user_id = ?1 ORDER BY day", false, true},
    {"ledger", "SELECT id, transfer_id, ts, amount, kind, job_id, memo FROM ledger "
               "WHERE account = ?1 ORDER BY id", true},
    // Lightning top-ups and payouts; times in Unix seconds, as stored.
    {"topups", "SELECT id, payment_hash, invoice, sats, amount, state, created_at, expires_at, settled_at "
               "FROM topups WHERE user_id = ?1 ORDER BY created_at, id"},
    {"payouts", "SELECT id, payment_hash, invoice, sats, amount, state, fee_sat, failure, created_at, finished_at "
                "FROM payouts WHERE user_id = ?1 ORDER BY created_at, id"},
    {"audit", "SELECT seq, ts, actor_id, action, subject_id, cluster_id, detail, prev_sha256, sha256 "
              "FROM audit_log WHERE actor_id = ?1 OR subject_id = ?1 ORDER BY seq"},
    {"user", "SELECT id, email, role, created_at, deleted_at FROM users WHERE id = ?1"},
}};
#undef POTLUCK_NODE_OF

json::value column_value(const Statement& s, int column) {
  switch (s.column_type(column)) {
    case SQLITE_NULL: return nullptr;
    case SQLITE_INTEGER: return s.integer(column);
    default: return json::string(s.text(column));
  }
}

void show_nodes_as_alias(json::object& row, const std::string& user_id) {
  const auto text = [&row](std::string_view key) -> std::string {
    const auto* v = row.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  const std::string shown = node_id_for(user_id, text("node_id"), text("node_owner_id"));
  row["node_id"] = shown.empty() ? json::value(nullptr) : json::value(shown);
  row.erase("node_owner_id");
}

json::array read_rows(Database& db, const Section& section, const std::string& user_id) {
  auto s = db.prepare(section.sql);
  s.bind(1, section.by_account ? user_account(user_id) : user_id);
  json::array rows;
  while (s.step()) {
    json::object row;
    for (int c = 0; c < s.column_count(); ++c) row[s.column_name(c)] = column_value(s, c);
    if (section.names_nodes) show_nodes_as_alias(row, user_id);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

Result<std::string> SqlitePersonalDataStore::export_user(const std::string& user_id) {
  return guarded([&]() -> Result<std::string> {
    Transaction tx(db_);
    json::object document;
    for (const auto& section : kSections) document[section.name] = read_rows(db_, section, user_id);
    auto& users = document["user"].as_array();
    if (users.empty()) return std::unexpected(not_found("user"));
    json::value user = std::move(users.front());
    document["user"] = std::move(user);
    document["balance"] = balance_of(db_, user_account(user_id));
    append_audit(db_, {user_id, "data.exported", user_id});
    tx.commit();
    return json::serialize(document);
  });
}

}  // namespace potluck::store::sqlite
