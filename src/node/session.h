#pragma once
// One connection to the coordinator, from TCP connect through hello/welcome
// to its end: reads frames, runs jobs concurrently, reports model changes,
// and drains on shutdown. The daemon makes a new Session for every reconnect.
#include "common/strings.h"
#include "net/asio_fwd.h"
#include "net/http_client.h"
#include "net/ws_channel.h"
#include "node/backends/backend.h"
#include "node/price_list.h"
#include "node/running_job.h"
#include "protocol/frames.h"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace potluck::node {

struct SessionSettings {
  Url coordinator;               // host and port to connect to
  std::shared_ptr<const net::ClientTls> tls;  // set for https:// and wss:// (never falls back to plain)
  std::string target;            // "/v1/nodes/connect" (below any path prefix)
  std::string token;             // node token, sent as Authorization: Bearer
  protocol::Hello hello;         // everything but the models, which are current per session
  PriceList prices;              // set on every model offered
  int max_jobs = 8;
  std::chrono::seconds models_refresh{30};
  std::chrono::seconds drain_timeout{30};
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds welcome_timeout{10};
};

struct SessionOutcome {
  bool welcomed = false;  // the coordinator accepted us (reconnect backoff starts over)
  bool drained = false;   // ended by drain(): the daemon should exit
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `exec` runs exec jobs; null when the node does not offer code execution.
  Session(net::asio::any_io_executor executor, const SessionSettings& settings, Backend& backend,
          Backend* exec, ModelList models);

  // Connects, serves, and returns when the connection is over.
  net::awaitable<SessionOutcome> run();

  // Graceful shutdown: announce draining, refuse new jobs, wait up to the
  // drain timeout for jobs in flight, close. While still connecting: give up.
  void drain();
  // Second signal: stop the jobs in flight now, then close.
  void hurry();

  const ModelList& models() const { return models_; }
  std::size_t in_flight() const { return jobs_.size(); }

 private:
  enum class Phase { connecting, running, ended };

  net::awaitable<bool> connect();
  net::awaitable<bool> await_welcome();
  net::awaitable<void> read_loop();
  net::awaitable<void> refresh_loop();
  net::awaitable<void> drain_loop();
  static net::awaitable<void> job_task(std::shared_ptr<Session> self, std::shared_ptr<RunningJob> job);

  void on_frame(protocol::Frame& frame);
  void start_job(protocol::Job job);
  void job_finished(const std::string& id);
  void stop_all_jobs(StopReason why);
  // A job's frames go in its own lane of the outbox (WsChannel::send).
  void send(std::string frame, std::string_view job_id = {});
  void send_status(bool with_models);
  void refuse(const protocol::Job& job, protocol::ErrorCode code, std::string message, bool retryable, int status = 0);
  void end();

  net::asio::any_io_executor executor_;
  const SessionSettings& settings_;
  Backend& backend_;
  Backend* exec_;
  ModelList models_;
  Phase phase_ = Phase::connecting;
  bool draining_ = false;
  bool hurry_ = false;
  std::function<void()> interrupt_;  // cuts the current connect step short
  std::shared_ptr<net::WsChannel> ws_;
  std::unordered_map<std::string, std::shared_ptr<RunningJob>> jobs_;
  std::int64_t window_ = 0;  // each job's first window (welcome.window); 0: no flow control
  net::asio::steady_timer refresh_timer_;
  net::asio::steady_timer idle_timer_;  // woken when the last job ends while draining
  net::AbortHandle refresh_abort_;
};

// True when both lists offer the same models with the same details, in order.
bool same_models(const ModelList& a, const ModelList& b);

}  // namespace potluck::node
