#pragma once
// Runs one consumer request as a job: dispatch to a node, re-dispatch before
// the first chunk if the node fails, relay chunks (SSE) or collect them
// (non-streamed), and end with exactly one usage event.
#include "coordinator/api/openai_request.h"
#include "coordinator/api/openai_response.h"
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/job.h"
#include "coordinator/metrics.h"
#include "coordinator/registry.h"
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
  };

  JobRelay(Deps deps, net::Exchange& exchange, Principal principal, CompletionRequest request);

  net::awaitable<std::optional<net::Response>> run();

 private:
  bool dispatch();  // to the best node not tried yet; false if none
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
  std::shared_ptr<Job> job_;
  ResponseFormat format_;
  NodeLink* node_ = nullptr;
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
