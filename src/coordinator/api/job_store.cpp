#include "coordinator/api/job_store.h"

#include "common/clock.h"
#include "store/node_alias.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

json::value ms_or_null(std::int64_t ms) { return ms ? json::value(ms) : json::value(nullptr); }

JobState state_after(JobEnding::How how) {
  switch (how) {
    case JobEnding::How::completed: return JobState::completed;
    case JobEnding::How::cancelled: return JobState::cancelled;
    case JobEnding::How::timed_out: return JobState::timed_out;
    case JobEnding::How::failed: break;
  }
  return JobState::failed;
}

}  // namespace

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::pending: return "pending";
    case JobState::assigned: return "assigned";
    case JobState::running: return "running";
    case JobState::completed: return "completed";
    case JobState::failed: return "failed";
    case JobState::cancelled: return "cancelled";
    case JobState::timed_out: return "timed_out";
  }
  return "failed";
}

bool is_finished(JobState state) {
  return state != JobState::pending && state != JobState::assigned && state != JobState::running;
}

JobRecord::JobRecord(JobStore& store, boost::asio::any_io_executor executor, Identity identity)
    : store_(store),
      identity_(std::move(identity)),
      created_at_ms_(unix_now_ms()),
      ended_signal_(executor, boost::asio::steady_timer::time_point::max()) {}

void JobRecord::assigned(const AssignedNode& node) {
  state_ = JobState::assigned;
  node_id_ = store::node_id_for(identity_.owner, node.id, node.owner_id);
  node_name_ = node.name;
  assigned_at_ms_ = unix_now_ms();
}

void JobRecord::running() {
  state_ = JobState::running;
  started_at_ms_ = unix_now_ms();
}

void JobRecord::ended(const JobEnding& ending) {
  state_ = state_after(ending.how);
  finished_at_ms_ = unix_now_ms();
  tokens_in_ = ending.prompt_tokens;
  tokens_out_ = ending.completion_tokens;
  if (ending.error) error_ = *ending.error;
  if (state_ == JobState::completed) {
    boost::system::error_code ec;
    result_ = json::parse(json::string_view(ending.result.data(), ending.result.size()), ec);
    if (ec) result_ = nullptr;  // cannot happen: the coordinator rendered it
  }
  run_.reset();
  ended_signal_.cancel();
  store_.finished(identity_.id);
}

void JobRecord::cancel() {
  if (is_finished(state_)) return;
  if (auto run = run_.lock()) run->cancel();
}

net::awaitable<void> JobRecord::wait_ended() {
  while (!is_finished(state_)) {
    boost::system::error_code ec;
    co_await ended_signal_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

json::object JobRecord::to_json() const {
  json::object out{{"id", identity_.id},
                   {"object", "job"},
                   {"kind", std::string(protocol::to_string(identity_.kind))},
                   {"model", identity_.model},
                   {"priority", identity_.priority == Priority::fast ? "fast" : "normal"},
                   {"keep_result", identity_.keep_result},
                   {"state", std::string(to_string(state_))},
                   {"created_at", created_at_ms_},
                   {"assigned_at", ms_or_null(assigned_at_ms_)},
                   {"started_at", ms_or_null(started_at_ms_)},
                   {"finished_at", ms_or_null(finished_at_ms_)},
                   {"ttft_ms", started_at_ms_ ? json::value(started_at_ms_ - assigned_at_ms_) : json::value(nullptr)},
                   {"tokens_in", tokens_in_},
                   {"tokens_out", tokens_out_},
                   {"node_id", node_id_.empty() ? json::value(nullptr) : json::value(node_id_)},
                   {"node_name", node_id_.empty() ? json::value(nullptr) : json::value(node_name_)},
                   {"error", nullptr},
                   {"result", result_}};
  if (error_) out["error"] = json::object{{"code", error_->code}, {"message", error_->message}};
  return out;
}

JobStore::JobStore(boost::asio::any_io_executor executor, Limits limits)
    : executor_(executor), limits_(limits), sweep_(executor) {}

std::expected<void, ApiError> JobStore::may_submit(const std::string& owner) {
  drop_expired();
  if (records_.size() >= limits_.max_held)
    return std::unexpected(ApiError::unavailable("the coordinator holds its maximum of " + std::to_string(limits_.max_held) +
                                     " jobs; try again once some have expired",
                                 static_cast<int>(std::min<std::int64_t>(limits_.result_ttl.count(), 60))));
  std::size_t pending = 0;
  for (const auto& [id, record] : records_)
    if (record->identity().owner == owner && !is_finished(record->state())) ++pending;
  if (pending >= limits_.max_pending_per_consumer)
    return std::unexpected(ApiError::rate_limited(
        "you have " + std::to_string(pending) + " unfinished jobs, the most allowed; wait for some to finish", 1));
  return {};
}

std::shared_ptr<JobRecord> JobStore::create(JobRecord::Identity identity) {
  auto record = std::make_shared<JobRecord>(*this, executor_, std::move(identity));
  records_[record->identity().id] = record;
  return record;
}

void JobStore::discard(const std::string& id) { records_.erase(id); }

std::shared_ptr<JobRecord> JobStore::find(const std::string& id, const std::string& owner) {
  drop_expired();
  auto it = records_.find(id);
  if (it == records_.end() || it->second->identity().owner != owner) return nullptr;
  return it->second;
}

json::object JobStore::read(const JobRecord& record) {
  auto out = record.to_json();
  const auto& identity = record.identity();
  // The expiry entry stays behind; dropping an id already gone is a no-op.
  if (record.state() == JobState::completed && !identity.keep_result) records_.erase(identity.id);
  return out;
}

void JobStore::finished(const std::string& id) {
  expiries_.emplace_back(std::chrono::steady_clock::now() + limits_.result_ttl, id);
  arm_sweep();
}

void JobStore::drop_expired() {
  const auto now = std::chrono::steady_clock::now();
  while (!expiries_.empty() && expiries_.front().first <= now) {
    records_.erase(expiries_.front().second);
    expiries_.pop_front();
  }
}

// Results must not outlive their ttl even when nobody asks for them again.
void JobStore::arm_sweep() {
  if (sweep_armed_ || expiries_.empty()) return;
  sweep_armed_ = true;
  sweep_.expires_at(expiries_.front().first);
  sweep_.async_wait([this](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    sweep_armed_ = false;
    drop_expired();
    arm_sweep();
  });
}

}  // namespace potluck::coordinator::api
