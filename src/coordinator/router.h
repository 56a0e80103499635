#pragma once
// The coordinator's HTTP entry: health, metrics, the dashboard's files, the
// per-IP rate limit, then the route table (route_table.h, routes.cpp).
#include "coordinator/api/audit_handler.h"
#include "coordinator/api/accounts_api.h"
#include "coordinator/api/completions_handler.h"
#include "coordinator/api/exec_handler.h"
#include "coordinator/api/jobs_handler.h"
#include "coordinator/api/keys_handler.h"
#include "coordinator/api/nodes_handler.h"
#include "coordinator/api/pricing_handler.h"
#include "coordinator/api/wallet_handler.h"
#include "coordinator/api/payments_handler.h"
#include "coordinator/api/me_handler.h"
#include "coordinator/api/overview_handler.h"
#include "coordinator/api/session_handler.h"
#include "coordinator/api/usage_handler.h"
#include "coordinator/cors_policy.h"
#include "coordinator/node_hub.h"
#include "coordinator/storage_health.h"
#include "coordinator/web_assets.h"
#include "net/http_server.h"

#include <functional>

namespace potluck::coordinator {

struct Services {
  const CoordinatorConfig& config;
  KeyAuthenticator& auth;
  Registry& registry;
  Metrics& metrics;
  NodeHub& hub;
  api::CompletionsHandler& completions;
  api::KeysHandler& keys;
  api::WalletHandler& wallet;
  api::PaymentsHandler& payments;
  api::PricingHandler& pricing;
  api::NodesHandler& nodes;
  api::AccountsApi& accounts;
  api::ExecHandler& exec;
  std::function<std::size_t()> open_connections;
  RateLimiter& per_ip;
  api::AuditHandler& audit;
  api::UsageHandler& usage;
  api::MeHandler& me;
  api::JobsHandler& jobs;
  api::SessionHandler& session;
  api::OverviewHandler& overview;
  const WebAssets& web;
  const StorageHealth& storage;
  const CorsPolicy& cors;
};

// The route table's decision from a request's head (net::HeadCheck): the
// per-IP rate limit, 404, 405 and the route's declared access, so a caller
// who may not call a route is refused before its body is read. It leaves the
// admitted Principal for the router.
net::HeadCheck make_head_check(Services services);
// Runs the admitted request's route (admitting it first when no head check did).
net::Handler make_router(Services services);

}  // namespace potluck::coordinator
