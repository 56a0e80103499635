#include "cli/payment_flags.h"

#include "common/credits.h"

namespace potluck::cli {
namespace {

// A credits amount ("0.01") flag written into micro-credits; zero refused.
void credits_flag(CLI::App* cmd, const std::string& name, std::int64_t& field, const std::string& env,
                  const std::string& help) {
  cmd->add_option_function<std::string>(
         name, [&field](const std::string& text) { field = parse_credits(text).value(); }, help)
      ->envname(env)
      ->default_str(format_credits(field))
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto micro = parse_credits(text);
            if (!micro) return micro.error();
            if (*micro == 0) return "must be more than zero";
            return {};
          },
          "CREDITS"));
}

}  // namespace

void add_payment_flags(CLI::App* cmd, coordinator::PaymentSettings& p) {
  using coordinator::PaymentRailKind;
  const std::map<std::string, PaymentRailKind> rails{{"none", PaymentRailKind::none}, {"lnd", PaymentRailKind::lnd}};
  cmd->add_option("--payments", p.rail,
                  "Payment rail for buying credits and paying providers out: none (credits by grant only) or lnd")
      ->envname("POTLUCK_PAYMENTS")
      ->transform(CLI::CheckedTransformer(rails, CLI::ignore_case))
      ->default_str("none");
  cmd->add_option("--lnd-url", p.lnd.url, "LND's REST address, https://HOST:PORT (with --payments lnd)")
      ->envname("POTLUCK_LND_URL");
  cmd->add_option("--lnd-macaroon-file", p.lnd.macaroon_file,
                  "LND macaroon allowing invoices and payments (read at start, never logged)")
      ->envname("POTLUCK_LND_MACAROON_FILE");
  cmd->add_option("--lnd-cert-file", p.lnd.cert_file, "LND's tls.cert, trusted for its REST listener")
      ->envname("POTLUCK_LND_CERT_FILE");
  cmd->add_option_function<std::string>(
         "--lightning-network",
         [&p](const std::string& text) { p.network = payments::lightning_network_from(text).value(); },
         "Bitcoin network of the LND node: bitcoin, testnet, signet or regtest; invoices for another network are "
         "refused")
      ->envname("POTLUCK_LIGHTNING_NETWORK")
      ->default_str("bitcoin")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return payments::lightning_network_from(text) ? std::string()
                                                           : "must be bitcoin, testnet, signet or regtest";
          },
          "NETWORK"));
  credits_flag(cmd, "--credits-per-sat", p.micro_per_sat, "POTLUCK_CREDITS_PER_SAT",
               "Credits bought by one satoshi, and paid out for one");
  credits_flag(cmd, "--min-payout", p.min_payout, "POTLUCK_MIN_PAYOUT", "Smallest payout, in credits");
  credits_flag(cmd, "--max-payout-per-day", p.max_payout_per_day, "POTLUCK_MAX_PAYOUT_PER_DAY",
               "Most credits one user may pay out in 24 hours (failed payouts do not count)");
  credits_flag(cmd, "--max-topup", p.max_topup, "POTLUCK_MAX_TOPUP", "Largest top-up invoice, in credits");
  cmd->add_option("--topup-expiry-s", p.topup_expiry_s, "How long a top-up invoice can be paid")
      ->envname("POTLUCK_TOPUP_EXPIRY_S")->check(CLI::Range(std::int64_t{60}, std::int64_t{7 * 24 * 3600}))
      ->capture_default_str();
  cmd->add_option("--max-open-topups", p.max_open_topups, "Unpaid top-up invoices one user may hold (429 past it)")
      ->envname("POTLUCK_MAX_OPEN_TOPUPS")->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000}))
      ->capture_default_str();
  cmd->add_option("--payout-timeout-s", p.payout_timeout_s, "Time LND has to find a route for a payout")
      ->envname("POTLUCK_PAYOUT_TIMEOUT_S")->check(CLI::Range(std::int64_t{5}, std::int64_t{3600}))
      ->capture_default_str();
}

}  // namespace potluck::cli
