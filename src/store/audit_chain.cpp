#include "store/audit_chain.h"

#include "crypto/sha256.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::store {
namespace json = boost::json;
namespace {

// Runs in seq order; numbers and hex digests, so the text is unambiguous.
std::string runs_digest(const std::vector<PrunedRun>& runs) {
  std::string text;
  for (const auto& run : runs)
    text += std::to_string(run.first_seq) + ':' + std::to_string(run.last_seq) + ':' + run.last_sha256 + '\n';
  return crypto::sha256_hex(text);
}

std::int64_t rows_in(const std::vector<PrunedRun>& runs) {
  std::int64_t rows = 0;
  for (const auto& run : runs) rows += run.rows();
  return rows;
}

}  // namespace

std::vector<PrunedRun> group_into_runs(const std::vector<std::pair<std::int64_t, std::string>>& rows) {
  std::vector<PrunedRun> runs;
  for (const auto& [seq, sha256] : rows) {
    if (!runs.empty() && runs.back().last_seq + 1 == seq) {
      runs.back().last_seq = seq;
      runs.back().last_sha256 = sha256;
    } else {
      runs.push_back({seq, seq, sha256, 0});
    }
  }
  return runs;
}

std::string checkpoint_detail(const std::string& cluster_id, std::int64_t deleted_at_ms,
                              const std::vector<PrunedRun>& runs) {
  return json::serialize(json::object{
      {"cluster_id", cluster_id},
      {"deleted_at", deleted_at_ms},
      {"rows_pruned", rows_in(runs)},
      {"first_seq", runs.empty() ? 0 : runs.front().first_seq},
      {"last_seq", runs.empty() ? 0 : runs.back().last_seq},
      {"runs", runs.size()},
      {"runs_sha256", runs_digest(runs)}});
}

ChainWalk::ChainWalk(const std::vector<PrunedRun>& runs) {
  for (const auto& run : runs) {
    runs_by_first_seq_.emplace(run.first_seq, run);
    runs_by_checkpoint_[run.checkpoint_seq].push_back(run);
  }
  for (auto& [checkpoint, its_runs] : runs_by_checkpoint_)
    std::ranges::sort(its_runs, {}, &PrunedRun::first_seq);
}

void ChainWalk::visit(const AuditRecord& row) {
  ++check_.rows;
  if (check_.first_broken_seq) return;
  cross_pruned_runs(row.seq);
  if (auto fault = fault_in(row)) return break_at(row.seq, std::move(*fault));
  if (row.event.action == kAuditPrunedAction) {
    if (auto fault = fault_in_checkpoint(row)) return break_at(row.seq, std::move(*fault));
    checked_checkpoints_.insert(row.seq);
    ++check_.checkpoints;
  }
  previous_ = row.sha256;
  expected_seq_ = row.seq + 1;
}

// Runs may follow each other (two prunes, two clusters): cross them all.
void ChainWalk::cross_pruned_runs(std::int64_t next_present_seq) {
  while (expected_seq_ < next_present_seq) {
    auto run = runs_by_first_seq_.find(expected_seq_);
    if (run == runs_by_first_seq_.end() || run->second.last_seq >= next_present_seq) return;
    crossed_runs_.insert(run->first);
    check_.pruned_rows += run->second.rows();
    previous_ = run->second.last_sha256;
    expected_seq_ = run->second.last_seq + 1;
  }
}

std::optional<std::string> ChainWalk::fault_in(const AuditRecord& row) const {
  if (row.seq != expected_seq_) return "row " + std::to_string(expected_seq_) + " is missing";
  if (row.prev_sha256 != previous_) return "does not point at the row before it";
  if (audit_digest(row) != row.sha256) return "its contents do not match its digest";
  return std::nullopt;
}

// The row's own digest has been checked, so its detail is what was written.
std::optional<std::string> ChainWalk::fault_in_checkpoint(const AuditRecord& row) const {
  boost::system::error_code ec;
  const json::value detail = json::parse(row.event.detail, ec);
  const json::object* claims = ec ? nullptr : detail.if_object();
  const json::value* rows = claims ? claims->if_contains("rows_pruned") : nullptr;
  const json::value* digest = claims ? claims->if_contains("runs_sha256") : nullptr;
  if (!rows || !rows->is_int64() || !digest || !digest->is_string())
    return std::string("its checkpoint detail cannot be read");
  auto recorded = runs_by_checkpoint_.find(row.seq);
  const std::vector<PrunedRun> none;
  const auto& runs = recorded == runs_by_checkpoint_.end() ? none : recorded->second;
  if (runs_digest(runs) != digest->as_string() || rows_in(runs) != rows->as_int64())
    return std::string("the pruned runs recorded under it are not the ones it checkpointed");
  return std::nullopt;
}

void ChainWalk::break_at(std::int64_t seq, std::string reason) {
  check_.first_broken_seq = seq;
  check_.reason = std::move(reason);
}

// A run never crossed covers rows that are still there (or lies past the
// end); one whose checkpoint was never met has nothing vouching for it.
ChainCheck ChainWalk::finish() {
  if (check_.first_broken_seq) return check_;
  for (const auto& [first_seq, run] : runs_by_first_seq_) {
    if (!crossed_runs_.contains(first_seq)) {
      break_at(first_seq, "recorded as pruned, but the chain does not cross it there");
      break;
    }
    if (!checked_checkpoints_.contains(run.checkpoint_seq)) {
      break_at(first_seq, "pruned under row " + std::to_string(run.checkpoint_seq) + ", which is no checkpoint");
      break;
    }
  }
  return check_;
}

}  // namespace potluck::store
