#pragma once
// The admin's tiers, held in memory for routing and kept in step with the
// store by the tiers API (which writes the store first).
#include "store/store.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace potluck::coordinator {

class TierCatalog {
 public:
  void replace(const std::vector<store::Tier>& tiers);
  void put(const store::Tier& tier) { tiers_[tier.name] = tier; }
  void erase(const std::string& name) { tiers_.erase(name); }

  const store::Tier* find(const std::string& name) const;
  std::vector<store::Tier> list() const;

 private:
  std::map<std::string, store::Tier> tiers_;
};

}  // namespace potluck::coordinator
