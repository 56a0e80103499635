#include "coordinator/api/wallet_handler.h"

#include "common/credits.h"
#include "common/log.h"
#include "common/strings.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/payments_json.h"
#include "coordinator/api/request_body.h"
#include "coordinator/api/request_params.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

json::object entry_json(const store::LedgerEntry& e) {
  return {{"id", e.id},          {"transfer_id", e.transfer_id}, {"ts", e.ts_ms / 1000},
          {"kind", e.kind},      {"amount", format_credits(e.amount)},
          {"amount_micro", e.amount}, {"job_id", e.job_id.empty() ? json::value() : json::value(e.job_id)},
          {"memo", e.memo}};
}

// The latest top-ups and payouts a wallet shows.
constexpr int kPaymentsShown = 20;

struct Wallet {
  std::int64_t balance = 0;
  std::vector<store::LedgerEntry> history;
  std::vector<store::Topup> topups;
  std::vector<store::Payout> payouts;
};

}  // namespace

net::awaitable<std::optional<net::Response>> WalletHandler::wallet(net::Exchange& exchange, const Principal& caller) {
  const std::string account = store::user_account(caller.user_id);
  auto params = query_params(exchange.request);
  if (!params) co_return net::make_error_response(params.error());
  auto limit_param = integer_param(*params, "limit", 50, 1, 500);
  if (!limit_param) co_return net::make_error_response(limit_param.error());
  auto before_param = integer_param(*params, "before", 0, 0, INT64_MAX);
  if (!before_param) co_return net::make_error_response(before_param.error());
  const int limit = static_cast<int>(*limit_param);
  const std::int64_t before = *before_param;
  const std::string user = caller.user_id;
  const bool payments = payments_.enabled();
  auto read = [&account, &user, limit, before, payments](store::Store& s) -> store::Result<Wallet> {
    auto balance = s.ledger().balance(account);
    if (!balance) return std::unexpected(balance.error());
    auto history = s.ledger().history(account, before, limit);
    if (!history) return std::unexpected(history.error());
    Wallet wallet{*balance, std::move(*history), {}, {}};
    if (!payments) return wallet;
    auto topups = s.payments().list_topups(user, kPaymentsShown);
    if (!topups) return std::unexpected(topups.error());
    auto payouts = s.payments().list_payouts(user, kPaymentsShown);
    if (!payouts) return std::unexpected(payouts.error());
    wallet.topups = std::move(*topups);
    wallet.payouts = std::move(*payouts);
    return wallet;
  };
  auto wallet = co_await store_.call(read);
  if (!wallet) co_return store_error_response(wallet.error(), "wallet", 400);
  json::array history;
  for (const auto& e : wallet->history) history.push_back(entry_json(e));
  json::array topups, payouts;
  for (const auto& t : wallet->topups) topups.push_back(topup_json(t));
  for (const auto& p : wallet->payouts) payouts.push_back(payout_json(p));
  json::object body{{"account", account},
                    {"balance", format_credits(wallet->balance)},
                    {"balance_micro", wallet->balance},
                    {"history", std::move(history)},
                    {"payments", payment_settings_json(payments_.settings())},
                    {"topups", std::move(topups)},
                    {"payouts", std::move(payouts)}};
  co_return json_response(http::status::ok, body);
}

net::awaitable<std::optional<net::Response>> WalletHandler::grant(net::Exchange& exchange, const Principal& caller) {
  auto body = read_object(exchange.request.body());
  if (!body) co_return net::make_error_response(body.error());

  const auto* user = body->if_contains("user");
  if (!user || !user->is_string() || user->get_string().empty())
    co_return net::make_error_response(ApiError::bad_request("'user' must be a user id or email", "invalid_user"));
  const auto* amount_value = body->if_contains("amount");
  std::string amount_text;
  if (amount_value && amount_value->is_string()) amount_text = amount_value->get_string();
  else if (amount_value && amount_value->is_int64()) amount_text = std::to_string(amount_value->get_int64());
  else if (amount_value && amount_value->is_uint64()) amount_text = std::to_string(amount_value->get_uint64());
  else
    co_return net::make_error_response(ApiError::bad_request(
        "'amount' must be an amount of credits, e.g. \"12.5\"", "invalid_amount"));
  auto amount = parse_credits(amount_text);
  if (!amount) co_return net::make_error_response(ApiError::bad_request(amount.error(), "invalid_amount"));
  if (*amount == 0) co_return net::make_error_response(ApiError::bad_request("'amount' must be more than zero", "invalid_amount"));

  const std::string who(user->get_string());
  const std::string actor = caller.user_id;
  auto grant = [&who, &actor, micro = *amount](store::Store& s) -> store::Result<std::pair<std::string, std::string>> {
    auto found = who.find('@') == std::string::npos ? s.find_user(who) : s.find_user_by_email(who);
    if (!found) return std::unexpected(found.error());
    auto transfer = s.ledger().grant(actor, found->id, micro);
    if (!transfer) return std::unexpected(transfer.error());
    return std::pair{found->id, *transfer};
  };
  auto granted = co_await store_.call(grant);
  if (!granted) co_return store_error_response(granted.error(), "user", 400);
  spdlog::info("admin {} granted {} credits to {}", actor, format_credits(*amount), granted->first);
  co_return json_response(http::status::created,
                          json::object{{"user_id", granted->first},
                                       {"transfer_id", granted->second},
                                       {"amount", format_credits(*amount)},
                                       {"amount_micro", *amount}});
}

}  // namespace potluck::coordinator::api
