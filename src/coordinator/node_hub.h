#pragma once
// GET /v1/nodes/connect: authenticates a node token, upgrades to WebSocket,
// reads hello, registers the node and routes its frames to jobs until the
// connection ends.
#include "common/api_error.h"
#include "coordinator/config.h"
#include "coordinator/dispatch_queue.h"
#include "coordinator/metrics.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator {

class NodeHub {
 public:
  NodeHub(net::asio::any_io_executor executor, const CoordinatorConfig& config, StoreExecutor& store,
          Registry& registry, Metrics& metrics, DispatchQueue& queue)
      : executor_(std::move(executor)), config_(config), store_(store), registry_(registry),
        metrics_(metrics), queue_(queue) {}

  net::awaitable<std::optional<net::Response>> connect(net::Exchange& exchange);

  // Shutdown: asks every node link to close.
  void close_all();
  // A revoked node token: its nodes are disconnected (and cannot come back).
  // Returns how many were connected.
  std::size_t disconnect_token(const std::string& token_id);

 private:
  net::awaitable<std::expected<NodeEnrolment, ApiError>> check_token(const net::Request& request);
  // Records the node before it goes online; the store refuses a node id that
  // belongs to another owner (store/node_claim.h), online or not. Returns the
  // stored row, or the reason to close with.
  net::awaitable<std::expected<store::NodeRecord, std::string>> enrol(const protocol::Hello& hello,
                                                                      const NodeEnrolment& enrolment);
  // The trust level on record: set by an admin, or earned by a clean record.
  store::Trust earned_trust(const store::NodeRecord& record) const;
  // The registry learns the record's models as first seen at its time, as
  // the store will when it writes the record.
  void note_first_seen(const store::NodeRecord& record, const std::vector<protocol::ModelOffer>& models);
  static store::NodeRecord node_record(const protocol::Hello& hello, const NodeEnrolment& enrolment,
                                       const std::vector<protocol::ModelOffer>& models);
  net::awaitable<void> serve(const std::shared_ptr<WsNodeLink>& link);
  // A message holds one frame or a batch. Both return false when a frame is
  // malformed or unexpected and the link must close.
  bool on_message(const std::shared_ptr<NodeLink>& link, std::string_view text, std::string& close_reason);
  bool on_frame(const std::shared_ptr<NodeLink>& link, protocol::Frame& frame, std::string& close_reason);
  // A status frame's model list, applied now or held by the link's pacer
  // (at most one change per --node-status-interval-ms; the latest held list
  // is applied by a timer when the interval has passed).
  void pace_models(const std::shared_ptr<NodeLink>& link, std::vector<protocol::ModelOffer> models);
  void apply_models(NodeLink& link, std::vector<protocol::ModelOffer> models);
  void record_node(const NodeLink& link);

  net::asio::any_io_executor executor_;
  const CoordinatorConfig& config_;
  StoreExecutor& store_;
  Registry& registry_;
  Metrics& metrics_;
  DispatchQueue& queue_;  // woken when a node brings new capacity
};

}  // namespace potluck::coordinator
