#pragma once
// Runs one POST /v1/exec as a job: hold its worst-case cost (its CPU-time
// limit at the highest price per CPU second among the nodes that could run
// it; nothing in one's own cluster), dispatch to a node that runs the
// language, re-dispatch if the node fails before any output, relay the output
// as SSE events (stream: true) or collect it into one JSON answer, and end
// with exactly one usage event (language, CPU time, exit status; never
// content) that carries the settlement of the CPU time used.
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/credit_hold.h"
#include "coordinator/job.h"
#include "coordinator/metrics.h"
#include "coordinator/placement.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "coordinator/usage_recorder.h"
#include "net/http_server.h"
#include "net/sse.h"
#include "protocol/exec.h"

#include <set>

namespace potluck::coordinator::api {

class ExecRelay {
 public:
  struct Deps {
    const CoordinatorConfig& config;
    Registry& registry;
    Metrics& metrics;
    UsageRecorder& usage;
    StoreExecutor& store;
    const PricingPolicy& pricing;
  };

  ExecRelay(Deps deps, net::Exchange& exchange, Principal principal, protocol::ExecRequest request,
            Placement placement);

  net::awaitable<std::optional<net::Response>> run();

 private:
  // Takes the worst-case cost into escrow; an error (402) if it cannot.
  net::awaitable<std::optional<ApiError>> hold_credits();
  bool dispatch();  // to a node not tried yet; false if none is free
  // Coroutine parameters are references (g++ 12, see job_relay.h).
  net::awaitable<bool> on_event(JobEvent& event);
  net::awaitable<bool> on_output(const protocol::Chunk& chunk);
  net::awaitable<bool> on_done(const protocol::Done& done);
  net::awaitable<bool> on_error(const protocol::Error& error);
  net::awaitable<void> fail(const ApiError& error, const store::UsageStatus& status, const store::FailureCode& code);
  net::awaitable<bool> flush();
  net::awaitable<void> finish_stream();
  void end_job(bool cancel_on_node);
  void record(store::UsageStatus status, std::optional<store::FailureCode> error_code,
              const protocol::ExecResult* result = nullptr);

  Deps deps_;
  net::Exchange& exchange_;
  Principal principal_;
  protocol::ExecRequest request_;
  Placement placement_;
  std::shared_ptr<Job> job_;
  NodeLink* node_ = nullptr;
  Candidate current_;     // node and price of the current attempt (node may be gone)
  std::string provider_;  // the current node's owner, paid for the work
  CreditHold hold_;
  std::set<std::string> tried_;
  int attempts_ = 0;
  std::uint64_t chunks_ = 0;
  std::string stdout_, stderr_;  // collected when not streaming
  net::SseWriter sse_;
  std::string out_;  // SSE bytes not yet written
  std::optional<net::Response> response_;
  std::chrono::steady_clock::time_point started_;
  bool client_gone_ = false;
  bool recorded_ = false;
};

}  // namespace potluck::coordinator::api
