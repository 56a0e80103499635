#pragma once
// Walking the audit chain, across what retention pruned.
//
// A prune removes runs of consecutive rows (PrunedRun, kept in their own
// table) and appends one checkpoint row, action audit.pruned, whose detail
// commits to them: how many rows and the SHA-256 of the runs. The walk
// crosses a run where the chain expects its first row and continues from the
// digest of its last row (what the row after it points at); at a checkpoint
// it checks that the runs recorded under it are the ones it committed to.
// So a run added, moved or changed later breaks at its checkpoint (or, with
// no checkpoint behind it, at the run), and a remaining row edited or deleted
// breaks exactly as it would without pruning.
#include "store/audit.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace potluck::store {

inline constexpr std::string_view kAuditPrunedAction = "audit.pruned";

struct PrunedRun {
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::string last_sha256;  // the digest the row after the run points at
  std::int64_t checkpoint_seq = 0;

  std::int64_t rows() const { return last_seq - first_seq + 1; }
};

// Rows to prune, (seq, sha256) in ascending seq, grouped into runs of
// consecutive seqs (checkpoint_seq left for the caller to set).
std::vector<PrunedRun> group_into_runs(const std::vector<std::pair<std::int64_t, std::string>>& rows);

// The checkpoint row's detail (a JSON object): the cluster and when it was
// deleted, the rows pruned, their seq range, the number of runs and
// runs_sha256, the digest over the runs in seq order.
std::string checkpoint_detail(const std::string& cluster_id, std::int64_t deleted_at_ms,
                              const std::vector<PrunedRun>& runs);

class ChainWalk {
 public:
  // Every run recorded, whichever checkpoint it belongs to.
  explicit ChainWalk(const std::vector<PrunedRun>& runs);

  // Rows in ascending seq.
  void visit(const AuditRecord& row);
  ChainCheck finish();

 private:
  void cross_pruned_runs(std::int64_t next_present_seq);
  std::optional<std::string> fault_in(const AuditRecord& row) const;
  std::optional<std::string> fault_in_checkpoint(const AuditRecord& row) const;
  void break_at(std::int64_t seq, std::string reason);

  std::map<std::int64_t, PrunedRun> runs_by_first_seq_;
  std::map<std::int64_t, std::vector<PrunedRun>> runs_by_checkpoint_;
  std::set<std::int64_t> crossed_runs_;        // by first seq
  std::set<std::int64_t> checked_checkpoints_;  // by seq
  ChainCheck check_;
  std::string previous_{kGenesisDigest};
  std::int64_t expected_seq_ = 1;
};

}  // namespace potluck::store
