#pragma once
// One node as the coordinator sees it: what it offered in hello, the jobs it
// is running, and the link frames travel on. NodeLink keeps everything that
// does not depend on how the node is reached (offers, health, the jobs and
// their backlog); a subclass carries the frames: WsNodeLink for a node
// connected here over WebSocket (a node held by another coordinator would be
// one more subclass).
#include "coordinator/job.h"
#include "coordinator/model_list_pacer.h"
#include "coordinator/node_health.h"
#include "net/ws_channel.h"
#include "protocol/frames.h"
#include "store/access_levels.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace potluck::coordinator {

// Who a node belongs to and where it serves, from its token and its record.
struct NodeEnrolment {
  std::string token_id;
  std::string owner_id;    // the provider paid for its work; empty: the platform
  std::string cluster_id;  // set: serves only this cluster; empty: the public pool
  store::Trust trust = store::Trust::community;
};

class NodeLink {
 public:
  NodeLink(protocol::Hello hello, NodeEnrolment enrolment, std::size_t max_queued_bytes,
           HealthSettings health = {});
  virtual ~NodeLink() = default;
  NodeLink(const NodeLink&) = delete;
  NodeLink& operator=(const NodeLink&) = delete;

  const std::string& id() const { return hello_.node_id; }
  const protocol::Hello& hello() const { return hello_; }
  const std::string& token_id() const { return enrolment_.token_id; }
  const std::string& owner_id() const { return enrolment_.owner_id; }
  const std::string& cluster_id() const { return enrolment_.cluster_id; }
  store::Trust trust() const { return enrolment_.trust; }
  void set_trust(store::Trust trust) { enrolment_.trust = trust; }

  bool serves(const std::string& model) const { return model_ids_.contains(model); }
  bool runs(std::string_view language) const;  // offers exec in this language
  const std::vector<protocol::ModelOffer>& models() const { return hello_.models; }

  NodeHealth& health() { return health_; }
  const NodeHealth& health() const { return health_; }
  // Heartbeat freshness: when the node last sent anything (frames or pongs).
  void touch() { last_seen_ = std::chrono::steady_clock::now(); }
  std::chrono::steady_clock::time_point last_seen() const { return last_seen_; }
  std::chrono::steady_clock::time_point connected_at() const { return connected_at_; }

  // Flow control: the window each job starts with, as told in welcome; 0
  // when the node does not take part (it sends freely and only the backlog
  // bound holds it).
  std::int64_t window_bytes() const { return window_bytes_; }
  void set_window_bytes(std::int64_t bytes) { window_bytes_ = bytes; }

  // Usage reports this node made above what it relayed, since an admin last
  // cleared them. A public node past `limit` (--max-usage-mismatches) is
  // suspended: it gets no public-pool job (Registry::fit) until cleared.
  std::int64_t usage_mismatches() const { return usage_mismatches_; }
  void set_usage_mismatches(std::int64_t count, std::int64_t limit) {
    usage_mismatches_ = count;
    suspended_ = cluster_id().empty() && count > limit;
  }
  bool suspended() const { return suspended_; }
  void clear_usage_mismatches() {
    usage_mismatches_ = 0;
    suspended_ = false;
  }

  // Model-list changes from status frames, applied at most once per interval.
  ModelListPacer& model_updates() { return model_updates_; }

  bool draining() const { return draining_; }
  void set_draining(bool draining) { draining_ = draining; }
  bool has_free_slot() const { return static_cast<int>(jobs_.size()) < hello_.max_jobs; }
  int in_flight() const { return static_cast<int>(jobs_.size()); }

  // Sends the job frame and tracks the job until finish() or fail_all().
  void dispatch(const protocol::Job& frame, std::shared_ptr<Job> job);
  // Routes a frame from the node to its job; false if the job is unknown
  // (already finished or cancelled: a late frame, dropped).
  bool deliver(const std::string& job_id, JobEvent event);
  // The job ended (done/error seen, or given up): stop tracking it. With
  // `cancel`, the node is told to abort it.
  void finish(const std::string& job_id, bool cancel);
  // Tells the node to abort the job but keeps routing its frames, so the
  // node's acknowledgement (an error frame, which may report the CPU time
  // used) still reaches the job; finish() ends the tracking.
  void cancel(const std::string& job_id);
  // The consumer took `bytes` more of the job's output (protocol::flow_cost):
  // the node may send that much more. Nothing for a node without flow control.
  void grant(const std::string& job_id, std::int64_t bytes);
  // The connection is gone: every job gets a retryable error.
  void fail_all();

  // The transport: sends one encoded frame; closes the link at once.
  virtual void send(std::string frame) = 0;
  virtual void disconnect() = 0;

 private:
  // Through Registry::set_models only, which keeps its index of offers true.
  friend class Registry;
  void set_models(std::vector<protocol::ModelOffer> models);

  protocol::Hello hello_;
  NodeEnrolment enrolment_;
  std::unordered_set<std::string> model_ids_;
  std::unordered_map<std::string, std::weak_ptr<Job>> jobs_;
  std::size_t max_queued_bytes_;  // per job: a consumer further behind is dropped
  std::int64_t window_bytes_ = 0;
  std::int64_t usage_mismatches_ = 0;
  bool suspended_ = false;
  bool draining_ = false;
  NodeHealth health_;
  std::chrono::steady_clock::time_point connected_at_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_seen_ = connected_at_;
  ModelListPacer model_updates_{connected_at_};
};

// A node connected to this coordinator over WebSocket.
class WsNodeLink final : public NodeLink {
 public:
  WsNodeLink(std::shared_ptr<net::WsChannel> channel, protocol::Hello hello, NodeEnrolment enrolment,
             std::size_t max_queued_bytes, HealthSettings health = {})
      : NodeLink(std::move(hello), std::move(enrolment), max_queued_bytes, health), channel_(std::move(channel)) {}

  void send(std::string frame) override { channel_->send(std::move(frame)); }
  void disconnect() override { channel_->force_close(); }
  net::WsChannel& channel() { return *channel_; }

 private:
  std::shared_ptr<net::WsChannel> channel_;
};

}  // namespace potluck::coordinator
