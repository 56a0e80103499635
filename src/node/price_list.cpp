#include "node/price_list.h"

#include "common/credits.h"

namespace potluck::node {

std::expected<PriceList, std::string> PriceList::parse(const std::vector<std::string>& specs) {
  PriceList list;
  for (const auto& spec : specs) {
    const auto equals = spec.rfind('=');
    const std::string model = equals == std::string::npos ? "" : spec.substr(0, equals);
    const std::string pair = equals == std::string::npos ? spec : spec.substr(equals + 1);
    const auto colon = pair.find(':');
    if (colon == std::string::npos)
      return std::unexpected("--price '" + spec + "': expected [MODEL=]IN:OUT (credits per million tokens)");
    auto in = parse_credits(pair.substr(0, colon));
    if (!in) return std::unexpected("--price '" + spec + "': " + in.error());
    auto out = parse_credits(pair.substr(colon + 1));
    if (!out) return std::unexpected("--price '" + spec + "': " + out.error());
    const protocol::Price price{*in, *out};
    if (model.empty()) list.fallback_ = price;
    else list.by_model_[model] = price;
  }
  return list;
}

protocol::Price PriceList::price_of(const std::string& model) const {
  auto it = by_model_.find(model);
  return it == by_model_.end() ? fallback_ : it->second;
}

ModelList PriceList::apply(ModelList models) const {
  for (auto& m : models) m.price = price_of(m.id);
  return models;
}

}  // namespace potluck::node
