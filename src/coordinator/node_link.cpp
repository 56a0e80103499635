#include "coordinator/node_link.h"

#include <algorithm>

namespace potluck::coordinator {

NodeLink::NodeLink(protocol::Hello hello, NodeEnrolment enrolment, std::size_t max_queued_bytes,
                   HealthSettings health)
    : hello_(std::move(hello)),
      enrolment_(std::move(enrolment)),
      max_queued_bytes_(max_queued_bytes),
      health_(health) {
  set_models(hello_.models);
}

void NodeLink::set_models(std::vector<protocol::ModelOffer> models) {
  hello_.models = std::move(models);
  model_ids_.clear();
  for (const auto& m : hello_.models) model_ids_.insert(m.id);
}

bool NodeLink::runs(std::string_view language) const {
  const auto& offered = hello_.exec_languages;
  return std::find(offered.begin(), offered.end(), language) != offered.end();
}

void NodeLink::dispatch(const protocol::Job& frame, std::shared_ptr<Job> job) {
  job->node_id = id();
  jobs_[frame.id] = job;
  send(protocol::encode(frame));
}

bool NodeLink::deliver(const std::string& job_id, JobEvent event) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return false;
  auto job = it->second.lock();
  if (!job) {
    jobs_.erase(it);
    return false;
  }
  if (std::holds_alternative<protocol::Chunk>(event)) {
    // The backlog the consumer has not taken yet decides, not the size of
    // the chunk arriving: one large chunk (a merged non-streamed answer)
    // into an empty queue is taken at once.
    const bool behind = job->backlog_bytes() > max_queued_bytes_;
    if (behind) {
      // The consumer cannot keep up: stop the job rather than buffer without bound.
      jobs_.erase(it);
      send(protocol::encode(protocol::Cancel{job_id}));
      job->push(protocol::Error{job_id, protocol::ErrorCode::consumer_too_slow, "the client did not read its stream", false});
      return true;
    }
  }
  job->push(std::move(event));
  return true;
}

void NodeLink::finish(const std::string& job_id, bool cancel) {
  if (jobs_.erase(job_id) && cancel) send(protocol::encode(protocol::Cancel{job_id}));
}

void NodeLink::cancel(const std::string& job_id) {
  if (jobs_.contains(job_id)) send(protocol::encode(protocol::Cancel{job_id}));
}

void NodeLink::grant(const std::string& job_id, std::int64_t bytes) {
  if (window_bytes_ > 0 && bytes > 0 && jobs_.contains(job_id)) send(protocol::encode(protocol::Credit{job_id, bytes}));
}

void NodeLink::fail_all() {
  auto jobs = std::move(jobs_);
  jobs_.clear();
  for (auto& [id, weak] : jobs)
    if (auto job = weak.lock())
      job->push(protocol::Error{id, protocol::ErrorCode::node_disconnected, "the node went away", true});
}

}  // namespace potluck::coordinator
