#include "coordinator/pricing.h"

#include <algorithm>
#include <charconv>

namespace potluck::coordinator {
namespace {

constexpr std::string_view kMinKey = "pricing.min_price";
constexpr std::string_view kMaxKey = "pricing.max_price";
constexpr std::string_view kFeeKey = "pricing.fee_percent";
constexpr std::string_view kExecMinKey = "pricing.exec_min_price";
constexpr std::string_view kExecMaxKey = "pricing.exec_max_price";
constexpr std::int64_t kMaxPrice = 1'000'000'000'000;  // micro-credits per unit: 10^6 credits

std::int64_t setting_or(store::Store& store, std::string_view key, std::int64_t fallback) {
  auto text = store.setting(std::string(key));
  if (!text || text->empty()) return fallback;
  std::int64_t value = fallback;
  std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

// price x amount / unit, rounded up. Split into whole and fractional parts so
// no product overflows: prices are at most 10^12 and amounts are capped so
// that (price / unit) x amount stays below 10^18.
std::int64_t scaled(std::int64_t price, std::int64_t amount, std::int64_t unit, std::int64_t max_amount) {
  amount = std::clamp<std::int64_t>(amount, 0, max_amount);
  return price / unit * amount + ((price % unit) * amount + unit - 1) / unit;
}

// micro-credits per million tokens x tokens (at most 10^12 counted).
std::int64_t per_million(std::int64_t price, std::int64_t tokens) {
  return scaled(price, tokens, 1'000'000, 1'000'000'000'000);
}

}  // namespace

protocol::Price PricingPolicy::clamp(protocol::Price asked) const {
  return {std::clamp(asked.input, min_price, max_price), std::clamp(asked.output, min_price, max_price)};
}

std::int64_t PricingPolicy::clamp_exec(std::int64_t asked) const {
  return std::clamp(asked, exec_min_price, exec_max_price);
}

protocol::Price PricingPolicy::highest_allowed(const std::optional<store::Tier>& tier) const {
  if (!tier) return {max_price, max_price};
  return clamp({tier->max_price_in, tier->max_price_out});
}

PricingPolicy PricingPolicy::load(store::Store& store) {
  PricingPolicy policy;
  policy.min_price = setting_or(store, kMinKey, policy.min_price);
  policy.max_price = setting_or(store, kMaxKey, policy.max_price);
  policy.exec_min_price = setting_or(store, kExecMinKey, policy.exec_min_price);
  policy.exec_max_price = setting_or(store, kExecMaxKey, policy.exec_max_price);
  policy.fee_percent = static_cast<int>(setting_or(store, kFeeKey, policy.fee_percent));
  if (!policy.validate()) policy = PricingPolicy{};
  return policy;
}

store::Result<void> PricingPolicy::save(store::Store& store, const std::string& actor_id) const {
  return store.put_settings(actor_id, {{std::string(kMinKey), std::to_string(min_price)},
                                       {std::string(kMaxKey), std::to_string(max_price)},
                                       {std::string(kExecMinKey), std::to_string(exec_min_price)},
                                       {std::string(kExecMaxKey), std::to_string(exec_max_price)},
                                       {std::string(kFeeKey), std::to_string(fee_percent)}});
}

std::expected<void, std::string> PricingPolicy::validate() const {
  if (min_price < 0 || max_price < 0 || exec_min_price < 0 || exec_max_price < 0)
    return std::unexpected("prices must not be negative");
  if (min_price > max_price) return std::unexpected("min_price must not exceed max_price");
  if (exec_min_price > exec_max_price) return std::unexpected("exec_min_price must not exceed exec_max_price");
  if (max_price > kMaxPrice) return std::unexpected("max_price is beyond 10^6 credits per million tokens");
  if (exec_max_price > kMaxPrice) return std::unexpected("exec_max_price is beyond 10^6 credits per CPU second");
  if (fee_percent < 0 || fee_percent > 100) return std::unexpected("fee_percent must be between 0 and 100");
  return {};
}

std::int64_t worst_case_cost(protocol::Price price, std::int64_t request_bytes, std::int64_t max_tokens) {
  return per_million(price.input, request_bytes) + per_million(price.output, max_tokens);
}

std::int64_t cost_of(protocol::Price price, std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  return per_million(price.input, prompt_tokens) + per_million(price.output, completion_tokens);
}

std::int64_t exec_worst_case_cost(std::int64_t cpu_second_price, std::int64_t timeout_ms) {
  const std::int64_t limit_ms = timeout_ms > 0 ? std::min(timeout_ms, protocol::kMaxExecTimeoutMs)
                                               : protocol::kMaxExecTimeoutMs;
  const std::int64_t cpu_seconds = (limit_ms + 999) / 1000;
  return cpu_second_price * cpu_seconds;  // at most 10^12 x 300
}

std::int64_t exec_cost_of(std::int64_t cpu_second_price, std::int64_t cpu_ms) {
  return scaled(cpu_second_price, cpu_ms, 1000, 1'000'000'000);
}

}  // namespace potluck::coordinator
