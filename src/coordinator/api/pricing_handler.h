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
  PricingHandler(StoreExecutor& store, PricingPolicy& pricing, TierCatalog& tiers, Registry& registry)
      : store_(store), pricing_(pricing), tiers_(tiers), registry_(registry) {}

  net::Response pricing() const;
  net::Response tiers() const;
  // The rest change settings: `caller` is an admin (the router checked it).
  net::awaitable<std::optional<net::Response>> set_pricing(net::Exchange& exchange, const Principal& caller);
  net::awaitable<net::Response> put_tier(const Principal& caller, const std::string& name, const std::string& body);
  net::awaitable<net::Response> delete_tier(const Principal& caller, const std::string& name);
  net::awaitable<std::optional<net::Response>> node_trust(net::Exchange& exchange, const Principal& caller,
                                                          const std::string& node_id);

 private:
  StoreExecutor& store_;
  PricingPolicy& pricing_;
  TierCatalog& tiers_;
  Registry& registry_;
};

}  // namespace potluck::coordinator::api
