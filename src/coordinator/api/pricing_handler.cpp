#include "coordinator/api/pricing_handler.h"

#include "common/credits.h"
#include "common/log.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

json::object pricing_json(const PricingPolicy& p) {
  return {{"min_price", format_credits(p.min_price)},
          {"max_price", format_credits(p.max_price)},
          {"fee_percent", p.fee_percent},
          {"unit", "credits per million tokens"},
          {"exec_min_price", format_credits(p.exec_min_price)},
          {"exec_max_price", format_credits(p.exec_max_price)},
          {"exec_unit", "credits per CPU second"}};
}

json::object tier_json(const store::Tier& t) {
  json::array models;
  for (const auto& m : t.models) models.emplace_back(m);
  return {{"name", t.name},
          {"models", std::move(models)},
          {"min_trust", to_string(t.min_trust)},
          {"max_price_in", format_credits(t.max_price_in)},
          {"max_price_out", format_credits(t.max_price_out)}};
}

// A price field: credits (per million tokens or per CPU second), as a string
// or an integer.
std::expected<std::int64_t, ApiError> price_field(const json::object& body, std::string_view key,
                                                  std::int64_t fallback) {
  const auto* v = body.if_contains(key);
  if (!v) return fallback;
  std::string text;
  if (v->is_string()) text = v->get_string();
  else if (v->is_int64() && v->get_int64() >= 0) text = std::to_string(v->get_int64());
  else if (v->is_uint64()) text = std::to_string(v->get_uint64());
  auto micro = parse_credits(text);
  if (!micro)
    return std::unexpected(ApiError::bad_request("'" + std::string(key) + "': " + micro.error(), "invalid_price"));
  return *micro;
}

// 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit.
bool valid_name(std::string_view name) {
  const auto plain = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 32 || !plain(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return plain(c) || c == '-' || c == '_'; });
}

std::optional<store::Trust> trust_field(const json::value& field) {
  if (!field.is_string()) return std::nullopt;
  return store::trust_from(field.get_string());
}

std::expected<store::Tier, ApiError> parse_tier(const std::string& name, const json::object& body) {
  store::Tier tier;
  tier.name = name;
  const auto* models = body.if_contains("models");
  if (!models || !models->is_array() || models->get_array().empty())
    return std::unexpected(ApiError::bad_request("'models' must be a non-empty array of model ids", "invalid_models"));
  for (const auto& m : models->get_array()) {
    if (!m.is_string() || m.get_string().empty() || m.get_string().size() > 200)
      return std::unexpected(ApiError::bad_request("'models' entries must be model ids", "invalid_models"));
    tier.models.emplace_back(m.get_string());
  }
  if (const auto* field = body.if_contains("min_trust")) {
    auto trust = trust_field(*field);
    if (!trust)
      return std::unexpected(ApiError::bad_request("'min_trust' must be community or verified", "invalid_trust"));
    tier.min_trust = *trust;
  }
  auto in = price_field(body, "max_price_in", kMaxMicroCredits);
  if (!in) return std::unexpected(in.error());
  auto out = price_field(body, "max_price_out", kMaxMicroCredits);
  if (!out) return std::unexpected(out.error());
  tier.max_price_in = *in;
  tier.max_price_out = *out;
  return tier;
}

std::expected<void, ApiError> check_name(const std::string& name) {
  if (valid_name(name)) return {};
  return std::unexpected(
      ApiError::bad_request("a tier name is 1 to 32 characters of a-z, 0-9, '-' and '_'", "invalid_name"));
}

}  // namespace

net::Response PricingHandler::pricing() const { return json_response(http::status::ok, pricing_json(pricing_)); }

net::Response PricingHandler::tiers() const {
  json::array data;
  for (const auto& tier : tiers_.list()) data.push_back(tier_json(tier));
  return json_response(http::status::ok, json::object{{"object", "list"}, {"data", std::move(data)}});
}

net::awaitable<std::optional<net::Response>> PricingHandler::set_pricing(net::Exchange& exchange,
                                                                         const Principal& caller) {
  auto body = read_object(exchange.request.body());
  if (!body) co_return net::make_error_response(body.error());

  PricingPolicy next = pricing_;
  auto min = price_field(*body, "min_price", next.min_price);
  if (!min) co_return net::make_error_response(min.error());
  auto max = price_field(*body, "max_price", next.max_price);
  if (!max) co_return net::make_error_response(max.error());
  auto exec_min = price_field(*body, "exec_min_price", next.exec_min_price);
  if (!exec_min) co_return net::make_error_response(exec_min.error());
  auto exec_max = price_field(*body, "exec_max_price", next.exec_max_price);
  if (!exec_max) co_return net::make_error_response(exec_max.error());
  next.min_price = *min;
  next.max_price = *max;
  next.exec_min_price = *exec_min;
  next.exec_max_price = *exec_max;
  if (const auto* fee = body->if_contains("fee_percent")) {
    if (!fee->is_int64() || fee->get_int64() < 0 || fee->get_int64() > 100)
      co_return net::make_error_response(
          ApiError::bad_request("'fee_percent' must be an integer from 0 to 100", "invalid_fee"));
    next.fee_percent = static_cast<int>(fee->get_int64());
  }
  if (auto valid = next.validate(); !valid)
    co_return net::make_error_response(ApiError::bad_request(valid.error(), "invalid_pricing"));
  const std::string actor = caller.user_id;
  auto save = [&next, &actor](store::Store& s) { return next.save(s, actor); };
  auto saved = co_await store_.call(save);
  if (!saved) co_return store_error_response(saved.error(), "pricing", 400);
  pricing_ = next;  // node prices are clamped at routing time, so this applies at once
  co_return json_response(http::status::ok, pricing_json(pricing_));
}

net::awaitable<net::Response> PricingHandler::put_tier(const Principal& caller, const std::string& name,
                                                       const std::string& body_text) {
  if (auto named = check_name(name); !named) co_return net::make_error_response(named.error());
  auto body = read_object(body_text);
  if (!body) co_return net::make_error_response(body.error());
  auto tier = parse_tier(name, *body);
  if (!tier) co_return net::make_error_response(tier.error());
  auto put = [&caller, &tier](store::Store& s) { return s.put_tier(caller.user_id, *tier); };
  auto saved = co_await store_.call(put);
  if (!saved) co_return store_error_response(saved.error(), "tier", 400);
  tiers_.put(*tier);
  co_return json_response(http::status::ok, tier_json(*tier));
}

net::awaitable<net::Response> PricingHandler::delete_tier(const Principal& caller, const std::string& name) {
  if (auto named = check_name(name); !named) co_return net::make_error_response(named.error());
  auto erase = [&caller, &name](store::Store& s) { return s.delete_tier(caller.user_id, name); };
  auto erased = co_await store_.call(erase);
  if (!erased) co_return store_error_response(erased.error(), "tier", 400);
  tiers_.erase(name);
  co_return json_response(http::status::ok, json::object{{"name", name}, {"deleted", true}});
}

net::awaitable<std::optional<net::Response>> PricingHandler::node_trust(net::Exchange& exchange,
                                                                        const Principal& caller,
                                                                        const std::string& node_id) {
  auto body = read_object(exchange.request.body());
  if (!body) co_return net::make_error_response(body.error());
  const auto* field = body->if_contains("trust");
  const auto trust = field ? trust_field(*field) : std::nullopt;
  if (!trust)
    co_return net::make_error_response(
        ApiError::bad_request("'trust' must be community or verified", "invalid_trust"));
  const store::Trust level = *trust;
  const std::string actor = caller.user_id;
  auto set = [&actor, &node_id, &level](store::Store& s) { return s.set_node_trust(actor, node_id, level); };
  auto saved = co_await store_.call(set);
  if (!saved) co_return store_error_response(saved.error(), "node", 400);
  if (auto* link = registry_.find(node_id)) link->set_trust(level);
  co_return json_response(http::status::ok, json::object{{"node_id", node_id}, {"trust", to_string(level)}});
}

}  // namespace potluck::coordinator::api
