#pragma once
// The public pool's market rules.
//   GET    /api/pricing          price bounds and platform fee. Any key.
//   PUT    /api/pricing          {min_price, max_price, fee_percent}; prices in
//                                credits per million tokens. Admin only.
//   GET    /api/tiers            the tiers. Any key.
//   PUT    /api/tiers/{name}     {models[], min_trust, max_price_in, max_price_out}. Admin only.
//   DELETE /api/tiers/{name}     Admin only.
//   PUT    /api/nodes/{id}/trust {trust: community|verified}. Admin only.
#include "coordinator/auth.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "coordinator/tier_catalog.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class PricingHandler {
 public:
  PricingHandler(KeyAuthenticator& auth, StoreExecutor& store, PricingPolicy& pricing, TierCatalog& tiers,
                 Registry& registry)
      : auth_(auth), store_(store), pricing_(pricing), tiers_(tiers), registry_(registry) {}

  net::awaitable<std::optional<net::Response>> pricing(net::Exchange& exchange);
  // `name` is the rest of the path after /api/tiers (empty or "/<name>").
  net::awaitable<std::optional<net::Response>> tiers(net::Exchange& exchange, std::string_view rest);
  net::awaitable<std::optional<net::Response>> node_trust(net::Exchange& exchange, const std::string& node_id);

 private:
  net::awaitable<net::Response> put_tier(const Principal& caller, const std::string& name,
                                         const std::string& body);
  net::awaitable<net::Response> delete_tier(const Principal& caller, const std::string& name);

  KeyAuthenticator& auth_;
  StoreExecutor& store_;
  PricingPolicy& pricing_;
  TierCatalog& tiers_;
  Registry& registry_;
};

}  // namespace potluck::coordinator::api
