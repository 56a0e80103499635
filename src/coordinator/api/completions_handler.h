#pragma once
// POST /v1/chat/completions and POST /v1/completions: authenticate, validate,
// pick a node, relay the job and its stream, meter the result.
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/metrics.h"
#include "coordinator/registry.h"
#include "coordinator/usage_recorder.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class CompletionsHandler {
 public:
  CompletionsHandler(const CoordinatorConfig& config, KeyAuthenticator& auth, Registry& registry,
                     Metrics& metrics, UsageRecorder& usage)
      : config_(config), auth_(auth), registry_(registry), metrics_(metrics), usage_(usage) {}

  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, protocol::JobKind kind);

 private:
  const CoordinatorConfig& config_;
  KeyAuthenticator& auth_;
  Registry& registry_;
  Metrics& metrics_;
  UsageRecorder& usage_;
};

}  // namespace potluck::coordinator::api
