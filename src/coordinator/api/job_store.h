#pragma once
// Asynchronous jobs (POST /v1/jobs) as records in memory: state, timings,
// token counts, error and, once completed, the result. Nothing here is ever
// written to disk; a finished job is dropped `result_ttl` after it ended, and
// a completed one as soon as its owner has read the result, unless it was
// submitted with keep_result.
// Everything runs on the coordinator's one thread: no locking.
#include "coordinator/api/async_job.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

namespace potluck::coordinator::api {

enum class JobState { pending, assigned, running, completed, failed, cancelled, timed_out };
std::string_view to_string(JobState state);
bool is_finished(JobState state);

class JobStore;

class JobRecord : public JobObserver {
 public:
  struct Identity {
    std::string id;
    std::string owner;  // user id: only they see the job
    protocol::JobKind kind;
    std::string model;  // as asked: a model or "tier:<name>"
    Priority priority;
    bool keep_result = false;  // the result survives its first read
  };
  JobRecord(JobStore& store, boost::asio::any_io_executor executor, Identity identity);

  // Keeps the node as the job's owner may see it (store/node_alias.h).
  void assigned(const AssignedNode& node) override;
  void running() override;
  void ended(const JobEnding& ending) override;

  const Identity& identity() const { return identity_; }
  JobState state() const { return state_; }
  void attach(std::weak_ptr<JobRun> run) { run_ = std::move(run); }
  // Stops an unfinished job; it ends cancelled (or, if it ended meanwhile, as it did).
  void cancel();
  // Waits until the job has ended (at once if it has).
  net::awaitable<void> wait_ended();
  boost::json::object to_json() const;

 private:
  JobStore& store_;
  Identity identity_;
  JobState state_ = JobState::pending;
  std::int64_t created_at_ms_;
  std::int64_t assigned_at_ms_ = 0;
  std::int64_t started_at_ms_ = 0;
  std::int64_t finished_at_ms_ = 0;
  std::int64_t tokens_in_ = 0;
  std::int64_t tokens_out_ = 0;
  std::string node_id_;    // as the job's owner is shown it
  std::string node_name_;
  std::optional<ApiError> error_;
  boost::json::value result_;  // the response object; null until completed
  std::weak_ptr<JobRun> run_;
  boost::asio::steady_timer ended_signal_;  // cancelled when the job ends
};

class JobStore {
 public:
  struct Limits {
    std::size_t max_held;                 // records, finished ones included
    std::size_t max_pending_per_consumer; // unfinished jobs per user
    std::chrono::seconds result_ttl;      // finished jobs are dropped after this
  };
  JobStore(boost::asio::any_io_executor executor, Limits limits);

  // Refused (429 or 503) when this user may not submit another job now.
  std::expected<void, ApiError> may_submit(const std::string& owner);
  std::shared_ptr<JobRecord> create(JobRecord::Identity identity);
  void discard(const std::string& id);  // a job refused before it started (402)
  // Only the owner finds a job; for anyone else it does not exist.
  std::shared_ptr<JobRecord> find(const std::string& id, const std::string& owner);
  // The record as its owner reads it (GET). A completed job's result is
  // handed over once: the record is dropped then, unless kept.
  boost::json::object read(const JobRecord& record);
  std::size_t size() const { return records_.size(); }

 private:
  friend class JobRecord;
  void finished(const std::string& id);  // starts the job's result_ttl
  void drop_expired();
  void arm_sweep();

  boost::asio::any_io_executor executor_;
  Limits limits_;
  std::unordered_map<std::string, std::shared_ptr<JobRecord>> records_;
  // Finished jobs by end time; every job has the same ttl, so this is also
  // the order in which they expire.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> expiries_;
  boost::asio::steady_timer sweep_;
  bool sweep_armed_ = false;
};

}  // namespace potluck::coordinator::api
