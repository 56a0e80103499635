// Buying credits and paying them out over Lightning (docs/payments.md):
//   potluck wallet topup AMOUNT [--sats] [--wait]   an invoice to pay from any Lightning wallet
//   potluck wallet payout INVOICE [--wait]          your balance to your own wallet's invoice
#include "cli/api_output.h"
#include "cli/commands.h"

#include <boost/json.hpp>

#include <chrono>
#include <iostream>
#include <thread>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

// Polls `target` once a second while its state is `pending`; the last answer.
std::optional<json::value> wait_while(const ApiOptions& api, const std::string& target, std::string_view pending,
                                      std::string_view command) {
  for (;;) {
    auto now = call_api(api, http::verb::get, target, std::nullopt, 200, command);
    if (!now || field(*now, "state") != pending) return now;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace

void add_wallet_payment_commands(CLI::App* wallet, Action& action) {
  auto topup_api = std::make_shared<ApiOptions>();
  auto amount = std::make_shared<std::string>();
  auto in_sats = std::make_shared<bool>(false);
  auto wait_topup = std::make_shared<bool>(false);
  auto* topup = add_api_subcommand(
      wallet, "topup", "Buy credits: prints a Lightning invoice to pay", action, topup_api,
      [amount, in_sats, wait_topup](const ApiOptions& api) {
        json::object body;
        if (*in_sats) {
          try {
            body["sats"] = std::stoll(*amount);
          } catch (const std::exception&) {
            std::cerr << "potluck wallet topup: with --sats, AMOUNT is a whole number of satoshis\n";
            return 2;
          }
        } else {
          body["amount"] = *amount;
        }
        auto made = call_api(api, http::verb::post, "/api/wallet/topups", body, 201, "wallet topup");
        if (!made) return 1;
        std::cout << "top-up " << field(*made, "id") << ": " << field(*made, "sats") << " sats for "
                  << field(*made, "amount") << " credits, payable until " << field(*made, "expires_at")
                  << " (unix time)\n";
        std::cout << "pay this invoice from any Lightning wallet:\n" << field(*made, "invoice") << "\n";
        if (!*wait_topup) return 0;
        auto ended = wait_while(api, "/api/wallet/topups/" + field(*made, "id"), "open", "wallet topup");
        if (!ended) return 1;
        if (field(*ended, "state") != "settled") {
          std::cerr << "potluck wallet topup: the invoice " << field(*ended, "state") << " unpaid\n";
          return 1;
        }
        std::cout << "paid: " << field(*ended, "amount") << " credits added\n";
        return 0;
      });
  topup->add_option("amount", *amount, "Credits to buy, e.g. 25 (or satoshis with --sats)")->required();
  topup->add_flag("--sats", *in_sats, "AMOUNT is in satoshis");
  topup->add_flag("--wait", *wait_topup, "Wait until the invoice is paid (or expires)");

  auto payout_api = std::make_shared<ApiOptions>();
  auto invoice = std::make_shared<std::string>();
  auto wait_payout = std::make_shared<bool>(false);
  auto* payout = add_api_subcommand(
      wallet, "payout", "Pay credits out to a Lightning invoice from your own wallet", action, payout_api,
      [invoice, wait_payout](const ApiOptions& api) {
        const json::object body{{"invoice", *invoice}};
        auto sent = call_api(api, http::verb::post, "/api/wallet/payouts", body, 202, "wallet payout");
        if (!sent) return 1;
        std::cout << "payout " << field(*sent, "id") << ": " << field(*sent, "sats") << " sats for "
                  << field(*sent, "amount") << " credits, " << field(*sent, "state") << "\n";
        if (!*wait_payout) return 0;
        auto ended = wait_while(api, "/api/wallet/payouts/" + field(*sent, "id"), "in_flight", "wallet payout");
        if (!ended) return 1;
        std::cout << "payout " << field(*ended, "state");
        if (field(*ended, "state") == "failed") std::cout << " (" << field(*ended, "failure") << "): the credits are back";
        std::cout << "\n";
        return field(*ended, "state") == "succeeded" ? 0 : 1;
      });
  payout->add_option("invoice", *invoice, "A BOLT 11 invoice with an amount")->required();
  payout->add_flag("--wait", *wait_payout, "Wait until the payment succeeds or fails");
}

}  // namespace potluck::cli
