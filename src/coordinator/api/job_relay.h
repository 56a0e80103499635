#pragma once
// Runs one consumer request as a job: hold its worst-case cost, dispatch to a
// node, re-dispatch before the first chunk if the node fails, relay chunks
// (SSE) or collect them (non-streamed), and end with exactly one usage event
// that carries the job's settlement.
#include "coordinator/api/openai_request.h"
#include "coordinator/api/openai_response.h"
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/credit_hold.h"
#include "coordinator/dispatch_queue.h"
#include "coordinator/job.h"
#include "coordinator/metering.h"
#include "coordinator/metrics.h"
#include "coordinator/placement.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "coordinator/usage_recorder.h"
#include "net/http_server.h"
#include "net/sse.h"

#include <set>

namespace potluck::coordinator::api {

class JobRelay {
 public:
  struct Deps {
    const CoordinatorConfig& config;
    Registry& registry;
    Metrics& metrics;
    UsageRecorder& usage;
    StoreExecutor& store;
    const PricingPolicy& pricing;
    DispatchQueue& queue;
  };

  JobRelay(Deps deps, net::Exchange& exchange, Principal principal, CompletionRequest request,
           Placement placement);

  net::awaitable<std::optional<net::Response>> run();

 private:
  // Takes the worst-case cost into escrow; an error (402) if it cannot.
  net::awaitable<std::optional<ApiError>> hold_credits();
  // Dispatches, waiting in line for a free slot if need be; an error (503)
  // when no node is online, the line is full or no slot freed up in time.
  net::awaitable<std::optional<ApiError>> wait_for_slot(std::chrono::steady_clock::time_point deadline);
  bool dispatch();  // to the best node not tried yet; false if none
  // Tells the current node's health how its attempt went.
  void report_health(const protocol::Error* error);
  void watch_client();
  void stop_watching_client();
  // Handles one event; returns false when the job is over.
  // Coroutine parameters are references throughout: g++ 12 destroys a
  // by-value parameter of a coroutine called inside co_await twice.
  net::awaitable<bool> on_event(JobEvent& event);
  net::awaitable<bool> on_chunk(const protocol::Chunk& chunk);
  net::awaitable<bool> on_done(const protocol::Done& done);
  net::awaitable<bool> on_error(const protocol::Error& error);
  net::awaitable<void> fail(const ApiError& error, std::string_view status, std::string_view code);
  net::awaitable<bool> flush();
  net::awaitable<void> finish_stream();  // flush, then end the chunked body
  void end_job(bool cancel_on_node);
  void record(std::string status, std::string error_code);

  Deps deps_;
  net::Exchange& exchange_;
  Principal principal_;
  CompletionRequest request_;
  Placement placement_;
  std::shared_ptr<Job> job_;
  ResponseFormat format_;
  NodeLink* node_ = nullptr;
  Candidate current_;        // node, model and price of the current attempt (node may be gone)
  std::string provider_;     // the current node's owner, paid for the work
  CreditHold hold_;          // micro-credits in escrow for this job
  RelayRecord relay_;
  std::int64_t pending_chunks_ = 0;  // relayed, not yet written to the consumer
  std::set<std::string> tried_;
  int attempts_ = 0;
  std::uint64_t chunks_ = 0;
  protocol::Usage usage_;
  net::SseWriter sse_;
  std::string out_;  // SSE bytes not yet written
  std::optional<net::Response> response_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point first_chunk_;
  bool client_gone_ = false;
  bool recorded_ = false;
};

}  // namespace potluck::coordinator::api
