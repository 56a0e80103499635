#include "coordinator/pricing.h"

#include <algorithm>
#include <charconv>

namespace potluck::coordinator {
namespace {

constexpr std::string_view kMinKey = "pricing.min_price";
constexpr std::string_view kMaxKey = "pricing.max_price";
constexpr std::string_view kFeeKey = "pricing.fee_percent";

std::int64_t setting_or(store::Store& store, std::string_view key, std::int64_t fallback) {
  auto text = store.setting(std::string(key));
  if (!text || text->empty()) return fallback;
  std::int64_t value = fallback;
  std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

// micro-credits per million tokens x tokens / 10^6, rounded up. Split into
// whole and fractional parts so no product overflows: prices are at most
// 10^12 and token counts are capped at 10^12 here.
std::int64_t per_million(std::int64_t price, std::int64_t tokens) {
  constexpr std::int64_t kMillion = 1'000'000;
  tokens = std::clamp<std::int64_t>(tokens, 0, 1'000'000'000'000);
  return price / kMillion * tokens + ((price % kMillion) * tokens + kMillion - 1) / kMillion;
}

}  // namespace

protocol::Price PricingPolicy::clamp(protocol::Price asked) const {
  return {std::clamp(asked.input, min_price, max_price), std::clamp(asked.output, min_price, max_price)};
}

PricingPolicy PricingPolicy::load(store::Store& store) {
  PricingPolicy policy;
  policy.min_price = setting_or(store, kMinKey, policy.min_price);
  policy.max_price = setting_or(store, kMaxKey, policy.max_price);
  policy.fee_percent = static_cast<int>(setting_or(store, kFeeKey, policy.fee_percent));
  if (!policy.validate()) policy = PricingPolicy{};
  return policy;
}

store::Result<void> PricingPolicy::save(store::Store& store, const std::string& actor_id) const {
  return store.put_settings(actor_id, {{std::string(kMinKey), std::to_string(min_price)},
                                       {std::string(kMaxKey), std::to_string(max_price)},
                                       {std::string(kFeeKey), std::to_string(fee_percent)}});
}

std::expected<void, std::string> PricingPolicy::validate() const {
  if (min_price < 0 || max_price < 0) return std::unexpected("prices must not be negative");
  if (min_price > max_price) return std::unexpected("min_price must not exceed max_price");
  if (max_price > 1'000'000'000'000) return std::unexpected("max_price is beyond 10^6 credits per million tokens");
  if (fee_percent < 0 || fee_percent > 100) return std::unexpected("fee_percent must be between 0 and 100");
  return {};
}

std::int64_t worst_case_cost(protocol::Price price, std::int64_t request_bytes, std::int64_t max_tokens) {
  return per_million(price.input, request_bytes) + per_million(price.output, max_tokens);
}

std::int64_t cost_of(protocol::Price price, std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  return per_million(price.input, prompt_tokens) + per_million(price.output, completion_tokens);
}

}  // namespace potluck::coordinator
