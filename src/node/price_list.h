#pragma once
// What the provider asks for each model: `--price IN:OUT` for every model and
// `--price MODEL=IN:OUT` for one, in credits per million input and output
// tokens. The coordinator clamps announced prices into the admin's bounds.
#include "node/backends/backend.h"
#include "protocol/frames.h"

#include <expected>
#include <map>
#include <string>
#include <vector>

namespace potluck::node {

class PriceList {
 public:
  static std::expected<PriceList, std::string> parse(const std::vector<std::string>& specs);

  protocol::Price price_of(const std::string& model) const;
  // The offers with their prices set.
  ModelList apply(ModelList models) const;

 private:
  std::map<std::string, protocol::Price> by_model_;
  protocol::Price fallback_;
};

}  // namespace potluck::node
