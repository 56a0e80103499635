#pragma once
// POST /v1/exec: authenticate (scope `exec`), validate, check that a node
// runs the language, then relay the job (ExecRelay).
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/metrics.h"
#include "coordinator/registry.h"
#include "coordinator/usage_recorder.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class ExecHandler {
 public:
  ExecHandler(const CoordinatorConfig& config, KeyAuthenticator& auth, Registry& registry, Metrics& metrics,
              UsageRecorder& usage)
      : config_(config), auth_(auth), registry_(registry), metrics_(metrics), usage_(usage) {}

  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange);

 private:
  const CoordinatorConfig& config_;
  KeyAuthenticator& auth_;
  Registry& registry_;
  Metrics& metrics_;
  UsageRecorder& usage_;
};

}  // namespace potluck::coordinator::api
