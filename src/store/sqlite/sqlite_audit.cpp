#include "store/sqlite/sqlite_audit.h"

#include "common/clock.h"
#include "store/sqlite/guarded.h"

namespace potluck::store::sqlite {
namespace {

constexpr std::string_view kColumns =
    "seq, ts, actor_id, action, subject_id, cluster_id, detail, prev_sha256, sha256";

AuditRecord read_row(const Statement& s) {
  return {s.integer(0), s.integer(1), {s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)},
          s.text(7), s.text(8)};
}

}  // namespace

void append_audit(Database& db, const AuditEvent& event) {
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
// when it does not point at the row before it, or when a row is missing.
Result<ChainCheck> SqliteAuditStore::verify() {
  return guarded([&]() -> Result<ChainCheck> {
    auto s = db_.prepare("SELECT " + std::string(kColumns) + " FROM audit_log ORDER BY seq");
    ChainCheck check;
    std::string previous(kGenesisDigest);
    std::int64_t expected_seq = 1;
    while (s.step()) {
      auto row = read_row(s);
      ++check.rows;
      if (check.first_broken_seq) continue;
      if (row.seq != expected_seq) {
        check.first_broken_seq = row.seq;
        check.reason = "row " + std::to_string(expected_seq) + " is missing";
      } else if (row.prev_sha256 != previous) {
        check.first_broken_seq = row.seq;
        check.reason = "does not point at the row before it";
      } else if (audit_digest(row) != row.sha256) {
        check.first_broken_seq = row.seq;
        check.reason = "its contents do not match its digest";
      }
      previous = row.sha256;
      expected_seq = row.seq + 1;
    }
    return check;
  });
}

}  // namespace potluck::store::sqlite
