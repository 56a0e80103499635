#include "coordinator/payments/payment_service.h"

#include "common/credits.h"
#include "common/ids.h"
#include "common/log.h"
#include "coordinator/store_error.h"
#include "payments/bolt11.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace potluck::coordinator {
namespace asio = boost::asio;
using payments::PaymentState;

namespace {

// Unsettled top-ups looked up at each reconciliation: those created in the
// last week, at most this many (the settlement stream carries the rest).
constexpr std::int64_t kReconcileWindowS = 7 * 24 * 3600;
constexpr int kReconcileBatch = 1000;
constexpr std::chrono::seconds kReconcileEvery{60};
// Backoff while the rail cannot be reached (its stream, a payment's state).
constexpr std::chrono::milliseconds kFirstRetry{500};
constexpr std::chrono::milliseconds kMaxRetry{30'000};
// What a payout may cost in routing fees, paid by the platform's node: 1%,
// at least 10 sats (small payments need a floor to find any route).
std::int64_t fee_limit_sat(std::int64_t sats) { return std::max<std::int64_t>(10, sats / 100); }

std::chrono::milliseconds next_backoff(std::chrono::milliseconds now) { return std::min(now * 2, kMaxRetry); }

ApiError invoice_error(std::string message, std::string code) {
  return ApiError::bad_request(std::move(message), std::move(code));
}

}  // namespace

ApiError payments_disabled() {
  return ApiError::not_found("this coordinator takes no payments (--payments none): credits come by grant only",
                             "payments_disabled");
}

PaymentService::PaymentService(net::asio::any_io_executor executor, const PaymentSettings& settings,
                               StoreExecutor& store, std::unique_ptr<payments::PaymentRail> rail, const Clock& clock)
    : executor_(std::move(executor)), settings_(settings), store_(store), rail_(std::move(rail)), clock_(clock) {}

PaymentService::~PaymentService() = default;

net::awaitable<bool> PaymentService::wait(std::chrono::milliseconds duration) {
  asio::steady_timer timer(executor_, duration);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return !stopping_;
}

void PaymentService::start() {
  if (!rail_) return;
  asio::co_spawn(executor_, [this]() -> net::awaitable<void> {
    // In-flight payouts first: their state at the rail decides what happens.
    auto list = [](store::Store& s) { return s.payments().in_flight_payouts(); };
    auto in_flight = co_await store_.call(list);
    if (!in_flight) spdlog::error("payouts: cannot read the in-flight payouts: {}", in_flight.error().message);
    else
      for (auto& payout : *in_flight) asio::co_spawn(executor_, complete_payout(std::move(payout), true), asio::detached);
    while (!stopping_) {
      co_await reconcile();
      if (!co_await wait(kReconcileEvery)) break;
    }
  }, asio::detached);
  asio::co_spawn(executor_, watch_settlements(), asio::detached);
}

void PaymentService::stop() {
  stopping_ = true;
  if (rail_) rail_->stop();
}

net::awaitable<std::expected<store::Topup, ApiError>> PaymentService::create_topup(const std::string& user_id,
                                                                                    std::int64_t sats) {
  if (!rail_) co_return std::unexpected(payments_disabled());
  auto count = [&user_id](store::Store& s) { return s.payments().open_topup_count(user_id); };
  auto open = co_await store_.call(count);
  if (!open) co_return std::unexpected(store_error(open.error(), "top-up"));
  if (*open >= settings_.max_open_topups)
    co_return std::unexpected(ApiError::rate_limited(
        "you have " + std::to_string(*open) + " unpaid top-up invoices; pay one or let it expire first",
        static_cast<int>(std::min<std::int64_t>(settings_.topup_expiry_s, 3600))));
  const std::string memo = "Potluck credits";
  auto issued = co_await rail_->create_invoice(sats, memo, settings_.topup_expiry_s);
  if (!issued) {
    spdlog::error("top-up: the payment rail did not issue an invoice: {}", issued.error());
    co_return std::unexpected(ApiError{502, "server_error", "payment_rail_unavailable",
                                       "the payment rail did not issue an invoice; try again later"});
  }
  // The rail's invoice must be what was asked for, on this network.
  auto decoded = payments::decode_bolt11(issued->payment_request);
  if (!decoded || decoded->payment_hash != issued->payment_hash || decoded->network != settings_.network ||
      decoded->amount_msat != static_cast<std::uint64_t>(sats) * 1000) {
    spdlog::error("top-up: the payment rail issued an invoice that does not match the request ({})",
                  decoded ? "amount, hash or network differ" : decoded.error());
    co_return std::unexpected(ApiError{502, "server_error", "payment_rail_unavailable",
                                       "the payment rail issued an unexpected invoice"});
  }
  store::Topup topup{make_id("top_"), user_id, issued->payment_hash, issued->payment_request, sats,
                     sats * settings_.micro_per_sat, store::TopupState::open, clock_.unix_s(),
                     decoded->expires_at()};
  auto record = [&topup](store::Store& s) { return s.payments().create_topup(topup); };
  auto recorded = co_await store_.call(record);
  if (!recorded) co_return std::unexpected(store_error(recorded.error(), "top-up"));
  spdlog::info("top-up {} issued: {} sats for user {}", topup.id, sats, user_id);
  co_return topup;
}

net::awaitable<std::expected<store::Payout, ApiError>> PaymentService::request_payout(const std::string& user_id,
                                                                                      const std::string& invoice) {
  if (!rail_) co_return std::unexpected(payments_disabled());
  auto decoded = payments::decode_bolt11(invoice);
  if (!decoded) co_return std::unexpected(invoice_error("'invoice' is not a BOLT 11 invoice: " + decoded.error(),
                                                        "invalid_invoice"));
  if (decoded->network != settings_.network)
    co_return std::unexpected(invoice_error("the invoice is for " + std::string(payments::to_string(decoded->network)) +
                                                ", and this coordinator pays on " +
                                                std::string(payments::to_string(settings_.network)),
                                            "wrong_network"));
  if (!decoded->amount_msat || *decoded->amount_msat == 0)
    co_return std::unexpected(invoice_error("the invoice has no amount: make one for the amount to pay out",
                                            "invoice_without_amount"));
  if (*decoded->amount_msat % 1000 != 0)
    co_return std::unexpected(invoice_error("the invoice's amount is not a whole number of satoshis",
                                            "invalid_invoice"));
  const std::int64_t now = clock_.unix_s();
  if (decoded->expires_at() <= now + 10)
    co_return std::unexpected(invoice_error("the invoice has expired: make a new one", "invoice_expired"));
  const auto sats = static_cast<std::int64_t>(*decoded->amount_msat / 1000);
  if (sats > kMaxMicroCredits / settings_.micro_per_sat)
    co_return std::unexpected(invoice_error("the invoice's amount is too large", "invalid_invoice"));
  store::Payout payout{make_id("pay_"), user_id, decoded->payment_hash, invoice, sats,
                       sats * settings_.micro_per_sat, store::PayoutState::in_flight, 0, "", now, 0};
  const store::PayoutLimits limits{settings_.min_payout, settings_.max_payout_per_day};
  auto hold = [&payout, &limits](store::Store& s) { return s.payments().request_payout(payout, limits); };
  auto held = co_await store_.call(hold);
  if (!held) {
    if (held.error().kind == store::StoreError::Kind::conflict)
      co_return std::unexpected(ApiError::conflict("this invoice was already paid out (or is being paid)"));
    co_return std::unexpected(store_error(held.error(), "payout", 403));
  }
  spdlog::info("payout {} requested: {} sats for user {}", payout.id, sats, user_id);
  asio::co_spawn(executor_, complete_payout(payout, false), asio::detached);
  co_return payout;
}

net::awaitable<void> PaymentService::complete_payout(store::Payout payout, bool resume) {
  std::chrono::milliseconds backoff = kFirstRetry;
  bool send = !resume;
  while (!stopping_) {
    std::expected<payments::PaymentStatus, std::string> status;
    if (send) status = co_await rail_->pay_invoice(payout.invoice, fee_limit_sat(payout.sats), settings_.payout_timeout_s);
    else status = co_await rail_->lookup_payment(payout.payment_hash);
    if (stopping_) co_return;
    if (!status) {
      // The rail could not be reached or broke off: ask it for the state
      // before anything is sent again.
      spdlog::warn("payout {}: {}; asking the rail again in {} ms", payout.id, status.error(), backoff.count());
      send = false;
      if (!co_await wait(backoff)) co_return;
      backoff = next_backoff(backoff);
      continue;
    }
    if (status->state == PaymentState::unknown) {
      send = true;  // the rail never started it: sending is safe (and once more is refused by the hash)
      continue;
    }
    if (status->state == PaymentState::in_flight) {
      send = false;
      if (!co_await wait(backoff)) co_return;
      backoff = next_backoff(backoff);
      continue;
    }
    const auto state = status->state == PaymentState::succeeded ? store::PayoutState::succeeded
                                                                 : store::PayoutState::failed;
    const std::string hash = payout.payment_hash;
    const std::string failure = status->failure_reason;
    const std::int64_t fee = status->fee_sat;
    const std::int64_t now = clock_.unix_s();
    auto finish = [&](store::Store& s) { return s.payments().finish_payout(hash, state, fee, failure, now); };
    auto finished = co_await store_.call(finish);
    if (!finished) {
      spdlog::error("payout {}: its end ({}) could not be recorded: {}", payout.id, store::to_string(state),
                    finished.error().message);
      if (!co_await wait(backoff)) co_return;
      backoff = next_backoff(backoff);
      continue;
    }
    if (*finished)
      spdlog::info("payout {} {} ({} sats, fee {} sats{}{})", payout.id, store::to_string(state), payout.sats, fee,
                   failure.empty() ? "" : ", ", failure);
    co_return;
  }
}

net::awaitable<void> PaymentService::settle(std::string payment_hash, std::int64_t paid_sats) {
  const std::int64_t now = clock_.unix_s();
  auto credit = [&](store::Store& s) { return s.payments().settle_topup(payment_hash, paid_sats, now); };
  auto credited = co_await store_.call(credit);
  if (!credited) {
    // An invoice someone else made on the same node is not Potluck's.
    if (credited.error().kind != store::StoreError::Kind::not_found)
      spdlog::error("top-up {} could not be credited: {}", payment_hash, credited.error().message);
    co_return;
  }
  if (*credited) spdlog::info("top-up with payment hash {} settled: {} sats credited", payment_hash, paid_sats);
}

net::awaitable<void> PaymentService::reconcile() {
  const std::int64_t now = clock_.unix_s();
  auto expire = [now](store::Store& s) { return s.payments().expire_topups(now); };
  co_await store_.call(expire);
  auto list = [now](store::Store& s) { return s.payments().unsettled_topups(now - kReconcileWindowS, kReconcileBatch); };
  auto unsettled = co_await store_.call(list);
  if (!unsettled) co_return;
  for (const auto& topup : *unsettled) {
    if (stopping_) co_return;
    auto status = co_await rail_->lookup_invoice(topup.payment_hash);
    if (!status) {
      spdlog::warn("top-up reconciliation: {}", status.error());
      co_return;  // the rail is away: the next round tries again
    }
    if (status->state == payments::InvoiceState::settled)
      co_await settle(topup.payment_hash, status->amount_paid_sat);
  }
}

net::awaitable<void> PaymentService::watch_settlements() {
  std::chrono::milliseconds backoff = kFirstRetry;
  while (!stopping_) {
    bool got_update = false;
    auto on_update = [&](const payments::InvoiceStatus& invoice) {
      got_update = true;
      if (invoice.state != payments::InvoiceState::settled) return;
      asio::co_spawn(executor_, settle(invoice.payment_hash, invoice.amount_paid_sat), asio::detached);
    };
    const std::string ended = co_await rail_->subscribe_invoices(0, on_update);
    if (stopping_) co_return;
    spdlog::warn("payments: the settlement stream ended ({}); reconnecting in {} ms", ended, backoff.count());
    if (!co_await wait(backoff)) co_return;
    backoff = got_update ? kFirstRetry : next_backoff(backoff);
    // What was paid while the stream was down is found by a reconciliation.
    co_await reconcile();
  }
}

}  // namespace potluck::coordinator
