#include "store/sqlite/sqlite_audit.h"

#include "common/clock.h"
#include "store/audit_chain.h"
#include "store/sqlite/guarded.h"

namespace potluck::store::sqlite {
namespace {

constexpr std::string_view kColumns =
    "seq, ts, actor_id, action, subject_id, cluster_id, detail, prev_sha256, sha256";

AuditRecord read_row(const Statement& s) {
  return {s.integer(0), s.integer(1), {s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)},
          s.text(7), s.text(8)};
}

std::vector<PrunedRun> pruned_runs(Database& db) {
  auto s = db.prepare("SELECT first_seq, last_seq, last_sha256, checkpoint_seq FROM audit_pruned_runs");
  std::vector<PrunedRun> runs;
  while (s.step()) runs.push_back({s.integer(0), s.integer(1), s.text(2), s.integer(3)});
  return runs;
}

// The checkpoint is appended first, so it is the newest row and every row
// pruned lies before it (the cluster's own cluster.deleted row may have been
// the newest). The runs are recorded before the rows go: the delete trigger
// lets a row go only once a run covers it.
std::int64_t prune_cluster(Database& db, const std::string& cluster_id, std::int64_t deleted_at_ms) {
  auto rows = db.prepare("SELECT seq, sha256 FROM audit_log WHERE cluster_id = ?1 ORDER BY seq");
  rows.bind(1, cluster_id);
  std::vector<std::pair<std::int64_t, std::string>> doomed;
  while (rows.step()) doomed.emplace_back(rows.integer(0), rows.text(1));
  auto runs = group_into_runs(doomed);
  const std::int64_t checkpoint_seq = append_audit(
      db, {"", std::string(kAuditPrunedAction), cluster_id, "", checkpoint_detail(cluster_id, deleted_at_ms, runs)});
  for (const auto& run : runs)
    db.prepare("INSERT INTO audit_pruned_runs (first_seq, last_seq, last_sha256, checkpoint_seq) "
               "VALUES (?, ?, ?, ?)")
        .bind(1, run.first_seq).bind(2, run.last_seq).bind(3, run.last_sha256).bind(4, checkpoint_seq)
        .step();
  auto remove = db.prepare("DELETE FROM audit_log WHERE cluster_id = ?1 AND seq < ?2");
  remove.bind(1, cluster_id).bind(2, checkpoint_seq).step();
  return static_cast<std::int64_t>(doomed.size());
}

}  // namespace

std::int64_t append_audit(Database& db, const AuditEvent& event) {
  AuditRecord row{0, unix_now_ms(), event, std::string(kGenesisDigest), ""};
  auto last = db.prepare("SELECT seq, sha256 FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (last.step()) {
    row.seq = last.integer(0) + 1;
    row.prev_sha256 = last.text(1);
  } else {
    row.seq = 1;
  }
  row.sha256 = audit_digest(row);
  db.prepare("INSERT INTO audit_log (seq, ts, actor_id, action, subject_id, cluster_id, detail, "
             "prev_sha256, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, row.seq).bind(2, row.ts_ms).bind(3, row.event.actor_id).bind(4, row.event.action)
      .bind(5, row.event.subject_id).bind(6, row.event.cluster_id).bind(7, row.event.detail)
      .bind(8, row.prev_sha256).bind(9, row.sha256)
      .step();
  return row.seq;
}

Result<void> SqliteAuditStore::append(const AuditEvent& event) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    append_audit(db_, event);
    tx.commit();
    return {};
  });
}

Result<std::vector<AuditRecord>> SqliteAuditStore::list(const AuditQuery& query) {
  return guarded([&]() -> Result<std::vector<AuditRecord>> {
    auto s = db_.prepare("SELECT " + std::string(kColumns) +
                         " FROM audit_log WHERE seq > ?1 AND (?2 = '' OR cluster_id = ?2) "
                         "ORDER BY seq LIMIT ?3");
    s.bind(1, query.after_seq).bind(2, query.cluster_id).bind(3, std::int64_t{query.limit});
    std::vector<AuditRecord> rows;
    while (s.step()) rows.push_back(read_row(s));
    return rows;
  });
}

// A row is broken when its stored digest is not the digest of its contents,
// when it does not point at the row before it, or when a row is missing that
// no checkpoint accounts for (store/audit_chain.h).
Result<ChainCheck> SqliteAuditStore::verify() {
  return guarded([&]() -> Result<ChainCheck> {
    Transaction snapshot(db_, Transaction::Mode::read);
    ChainWalk walk(pruned_runs(db_));
    auto s = db_.prepare("SELECT " + std::string(kColumns) + " FROM audit_log ORDER BY seq");
    while (s.step()) walk.visit(read_row(s));
    snapshot.commit();
    return walk.finish();
  });
}

Result<AuditPrune> SqliteAuditStore::prune_deleted_clusters(std::int64_t deleted_before_ms) {
  return guarded([&]() -> Result<AuditPrune> {
    Transaction tx(db_);
    auto clusters = db_.prepare(
        "SELECT id, deleted_at FROM clusters WHERE deleted_at IS NOT NULL AND deleted_at < ?1 "
        "AND EXISTS (SELECT 1 FROM audit_log WHERE audit_log.cluster_id = clusters.id) ORDER BY id");
    clusters.bind(1, deleted_before_ms);
    AuditPrune pruned;
    while (clusters.step()) {
      pruned.rows += prune_cluster(db_, clusters.text(0), clusters.integer(1));
      ++pruned.clusters;
    }
    tx.commit();
    return pruned;
  });
}

}  // namespace potluck::store::sqlite
