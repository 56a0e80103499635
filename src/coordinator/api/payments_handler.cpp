#include "coordinator/api/payments_handler.h"

#include "common/credits.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/payments_json.h"
#include "coordinator/api/request_body.h"
#include "payments/bolt11.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

// {"amount": "12.5"} in credits or {"sats": 1000}: the invoice's sats, the
// credits rounded up to whole sats.
std::expected<std::int64_t, ApiError> topup_sats(const json::object& body, const PaymentSettings& settings) {
  const auto* amount = body.if_contains("amount");
  const auto* sats = body.if_contains("sats");
  if ((amount != nullptr) == (sats != nullptr))
    return std::unexpected(ApiError::bad_request("give either 'amount' (credits, e.g. \"12.5\") or 'sats'",
                                                 "invalid_amount"));
  std::int64_t result = 0;
  if (sats) {
    if (!sats->is_int64() || sats->get_int64() <= 0)
      return std::unexpected(ApiError::bad_request("'sats' must be a positive whole number", "invalid_amount"));
    result = sats->get_int64();
    if (result > settings.max_topup / settings.micro_per_sat + 1)
      return std::unexpected(ApiError::bad_request(
          "a top-up is at most " + format_credits(settings.max_topup) + " credits", "invalid_amount"));
  } else {
    std::string text;
    if (amount->is_string()) text = amount->get_string();
    else if (amount->is_int64()) text = std::to_string(amount->get_int64());
    else return std::unexpected(ApiError::bad_request("'amount' must be credits, e.g. \"12.5\"", "invalid_amount"));
    auto micro = parse_credits(text);
    if (!micro) return std::unexpected(ApiError::bad_request(micro.error(), "invalid_amount"));
    if (*micro == 0) return std::unexpected(ApiError::bad_request("'amount' must be more than zero", "invalid_amount"));
    result = (*micro + settings.micro_per_sat - 1) / settings.micro_per_sat;
  }
  if (result * settings.micro_per_sat > settings.max_topup)
    return std::unexpected(ApiError::bad_request(
        "a top-up is at most " + format_credits(settings.max_topup) + " credits", "invalid_amount"));
  return result;
}

}  // namespace

net::awaitable<std::optional<net::Response>> PaymentsHandler::create_topup(net::Exchange& exchange,
                                                                           const Principal& caller) {
  if (!payments_.enabled()) co_return net::make_error_response(payments_disabled());
  auto body = read_object(exchange.request.body());
  if (!body) co_return net::make_error_response(body.error());
  auto sats = topup_sats(*body, payments_.settings());
  if (!sats) co_return net::make_error_response(sats.error());
  auto topup = co_await payments_.create_topup(caller.user_id, *sats);
  if (!topup) co_return net::make_error_response(topup.error());
  co_return json_response(http::status::created, topup_json(*topup));
}

net::awaitable<std::optional<net::Response>> PaymentsHandler::topup(const Principal& caller, const std::string& id) {
  if (!payments_.enabled()) co_return net::make_error_response(payments_disabled());
  const std::string user = caller.user_id;
  auto find = [&user, &id](store::Store& s) { return s.payments().find_topup(user, id); };
  auto found = co_await store_.call(find);
  if (!found) co_return store_error_response(found.error(), "top-up");
  co_return json_response(http::status::ok, topup_json(*found));
}

net::awaitable<std::optional<net::Response>> PaymentsHandler::create_payout(net::Exchange& exchange,
                                                                            const Principal& caller) {
  if (!payments_.enabled()) co_return net::make_error_response(payments_disabled());
  auto body = read_object(exchange.request.body());
  if (!body) co_return net::make_error_response(body.error());
  const auto* invoice = body->if_contains("invoice");
  if (!invoice || !invoice->is_string() || invoice->get_string().empty())
    co_return net::make_error_response(
        ApiError::bad_request("'invoice' must be a BOLT 11 invoice from your own wallet", "invalid_invoice"));
  if (invoice->get_string().size() > payments::kMaxInvoiceChars)
    co_return net::make_error_response(ApiError::bad_request("'invoice' is too long", "invalid_invoice"));
  const std::string text(invoice->get_string());
  auto payout = co_await payments_.request_payout(caller.user_id, text);
  if (!payout) co_return net::make_error_response(payout.error());
  co_return json_response(http::status::accepted, payout_json(*payout));
}

net::awaitable<std::optional<net::Response>> PaymentsHandler::payout(const Principal& caller, const std::string& id) {
  if (!payments_.enabled()) co_return net::make_error_response(payments_disabled());
  const std::string user = caller.user_id;
  auto find = [&user, &id](store::Store& s) { return s.payments().find_payout(user, id); };
  auto found = co_await store_.call(find);
  if (!found) co_return store_error_response(found.error(), "payout");
  co_return json_response(http::status::ok, payout_json(*found));
}

}  // namespace potluck::coordinator::api
