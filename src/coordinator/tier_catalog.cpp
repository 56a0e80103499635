#include "coordinator/tier_catalog.h"

namespace potluck::coordinator {

void TierCatalog::replace(const std::vector<store::Tier>& tiers) {
  tiers_.clear();
  for (const auto& tier : tiers) tiers_[tier.name] = tier;
}

const store::Tier* TierCatalog::find(const std::string& name) const {
  auto it = tiers_.find(name);
  return it == tiers_.end() ? nullptr : &it->second;
}

std::vector<store::Tier> TierCatalog::list() const {
  std::vector<store::Tier> out;
  for (const auto& [name, tier] : tiers_) out.push_back(tier);
  return out;
}

}  // namespace potluck::coordinator
