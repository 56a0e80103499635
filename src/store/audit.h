#pragma once
// The audit log: append-only and tamper evident. Each row carries the SHA-256
// of the row before it, so editing or deleting a row breaks the chain at that
// row. Rows hold ids and metadata only: never secrets, never content.
//
// The one removal allowed is retention's: the rows of a cluster deleted long
// ago are pruned, and an `audit.pruned` checkpoint row, itself chained,
// records what went (store/audit_chain.h), so verify still covers every row
// that remains.
#include "store/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace potluck::store {

// What a caller records; the store adds seq, time and the chain.
struct AuditEvent {
  std::string actor_id;    // the user who acted; empty for the system or offline admin
  std::string action;      // e.g. user.created, cluster.member_joined, credits.granted
  std::string subject_id;  // what it is about (a user, key, cluster, node token...)
  std::string cluster_id;  // set when the event belongs to a cluster
  std::string detail = "{}";  // a JSON object of further metadata
};

struct AuditRecord {
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
  AuditEvent event;
  std::string prev_sha256;
  std::string sha256;
};

// The digest a row must carry: SHA-256 over the previous digest and the row's
// fields. The first row's previous digest is kGenesisDigest.
inline constexpr std::string_view kGenesisDigest =
    "0000000000000000000000000000000000000000000000000000000000000000";
std::string audit_digest(const AuditRecord& row);

struct ChainCheck {
  std::int64_t rows = 0;
  std::int64_t pruned_rows = 0;  // rows retention removed, crossed under their checkpoints
  std::int64_t checkpoints = 0;  // audit.pruned rows
  std::int64_t first_broken_seq = 0;  // 0: the chain is intact
  std::string reason;                 // why that row is broken
};

// What one prune removed.
struct AuditPrune {
  std::int64_t clusters = 0;
  std::int64_t rows = 0;
};

struct AuditQuery {
  std::string cluster_id;      // empty: every row
  std::int64_t after_seq = 0;  // paging
  int limit = 100;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // A standalone event (most are written by the operation they record, in
  // the same transaction).
  virtual Result<void> append(const AuditEvent& event) = 0;
  virtual Result<std::vector<AuditRecord>> list(const AuditQuery& query) = 0;
  // Walks the whole chain from the first row, across pruned runs.
  virtual Result<ChainCheck> verify() = 0;
  // Retention: removes the rows of every cluster deleted before
  // `deleted_before_ms`, one audit.pruned checkpoint per cluster, in one
  // transaction. Running it again finds nothing.
  virtual Result<AuditPrune> prune_deleted_clusters(std::int64_t deleted_before_ms) = 0;
};

}  // namespace potluck::store
