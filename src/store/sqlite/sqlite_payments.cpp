#include "store/sqlite/sqlite_payments.h"

#include "common/credits.h"
#include "store/ledger.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"
#include "store/sqlite/sqlite_ledger.h"

#include <algorithm>
#include <cctype>

namespace potluck::store::sqlite {
namespace {

constexpr std::string_view kTopupColumns =
    "id, user_id, payment_hash, invoice, sats, amount, state, created_at, expires_at, settled_at";
constexpr std::string_view kPayoutColumns =
    "id, user_id, payment_hash, invoice, sats, amount, state, fee_sat, failure, created_at, finished_at";
constexpr std::int64_t kDaySeconds = 24 * 60 * 60;

Topup read_topup(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5),
          topup_state_from(s.text(6)).value_or(TopupState::open), s.integer(7), s.integer(8), s.integer(9)};
}

Payout read_payout(const Statement& s) {
  return {s.text(0),    s.text(1),    s.text(2),
          s.text(3),    s.integer(4), s.integer(5),
          payout_state_from(s.text(6)).value_or(PayoutState::in_flight),
          s.integer(7), s.text(8),    s.integer(9),
          s.integer(10)};
}

std::string select_from(std::string_view columns, std::string_view table, std::string_view where) {
  return "SELECT " + std::string(columns) + " FROM " + std::string(table) + " " + std::string(where);
}

// A rail's failure reason as it may appear in JSON and on a page: an
// enum-like word (FAILURE_REASON_NO_ROUTE), anything else dropped.
std::string reason_word(std::string_view reason) {
  std::string word;
  for (const char c : reason.substr(0, 64))
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') word += c;
  return word;
}

std::string amount_detail(std::string_view hash, std::int64_t sats, std::int64_t amount) {
  return R"({"payment_hash":")" + std::string(hash) + R"(","sats":)" + std::to_string(sats) +
         R"(,"amount_micro":)" + std::to_string(amount) + "}";
}

// The two tables a user reads the same way: their own rows, newest first,
// or one by id (not_found when it is another user's).
struct TopupTable {
  using Row = Topup;
  static constexpr std::string_view kColumns = kTopupColumns, kName = "topups", kWhat = "top-up";
  static Row read(const Statement& s) { return read_topup(s); }
};
struct PayoutTable {
  using Row = Payout;
  static constexpr std::string_view kColumns = kPayoutColumns, kName = "payouts", kWhat = "payout";
  static Row read(const Statement& s) { return read_payout(s); }
};

template <class Table>
Result<std::vector<typename Table::Row>> list_own(Database& db, const std::string& user_id, int limit) {
  return guarded([&]() -> Result<std::vector<typename Table::Row>> {
    auto s = db.prepare(select_from(Table::kColumns, Table::kName,
                                    "WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?"));
    s.bind(1, user_id).bind(2, std::int64_t{limit});
    std::vector<typename Table::Row> rows;
    while (s.step()) rows.push_back(Table::read(s));
    return rows;
  });
}

template <class Table>
Result<typename Table::Row> find_own(Database& db, const std::string& user_id, const std::string& id) {
  return guarded([&]() -> Result<typename Table::Row> {
    auto s = db.prepare(select_from(Table::kColumns, Table::kName, "WHERE id = ? AND user_id = ?"));
    s.bind(1, id).bind(2, user_id);
    if (!s.step()) return std::unexpected(not_found(std::string(Table::kWhat)));
    return Table::read(s);
  });
}

}  // namespace

Result<void> SqlitePaymentStore::create_topup(const Topup& t) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    auto s = db_.prepare(
        "INSERT INTO topups (id, user_id, payment_hash, invoice, sats, amount, state, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)");
    s.bind(1, t.id).bind(2, t.user_id).bind(3, t.payment_hash).bind(4, t.invoice).bind(5, t.sats)
        .bind(6, t.amount).bind(7, t.created_at).bind(8, t.expires_at);
    s.step();
    append_audit(db_, {t.user_id, "topup.created", t.id, "", amount_detail(t.payment_hash, t.sats, t.amount)});
    tx.commit();
    return {};
  });
}

Result<bool> SqlitePaymentStore::settle_topup(const std::string& payment_hash, std::int64_t paid_sats,
                                              std::int64_t now) {
  return guarded([&]() -> Result<bool> {
    Transaction tx(db_);
    auto find = db_.prepare(select_from(kTopupColumns, "topups", "WHERE payment_hash = ?"));
    find.bind(1, payment_hash);
    if (!find.step()) return std::unexpected(not_found("top-up"));
    const Topup topup = read_topup(find);
    find.reset();
    if (topup.state == TopupState::settled) return false;
    // Credited at the top-up's own rate; a wallet that paid more than asked
    // (BOLT 11 lets it, LND bounds it at twice) is credited what it paid.
    const std::int64_t paid = std::clamp(paid_sats, topup.sats, topup.sats * 2);
    const std::int64_t amount = topup.amount / topup.sats * paid;  // amount is sats times the rate
    auto mark = db_.prepare("UPDATE topups SET state = 'settled', settled_at = ?2, amount = ?3 "
                            "WHERE payment_hash = ?1 AND state != 'settled'");
    mark.bind(1, payment_hash).bind(2, now).bind(3, amount).step();
    if (db_.changes() != 1) return false;
    post_transfer(db_,
                  {{std::string(kLightningAccount), -amount, "topup"}, {user_account(topup.user_id), amount, "topup"}},
                  "", "Lightning top-up " + topup.id);
    append_audit(db_, {"", "topup.settled", topup.id, "", amount_detail(payment_hash, paid, amount)});
    tx.commit();
    return true;
  });
}

Result<std::int64_t> SqlitePaymentStore::expire_topups(std::int64_t now) {
  return guarded([&]() -> Result<std::int64_t> {
    auto s = db_.prepare("UPDATE topups SET state = 'expired' WHERE state = 'open' AND expires_at <= ?");
    s.bind(1, now).step();
    return db_.changes();
  });
}

Result<std::vector<Topup>> SqlitePaymentStore::unsettled_topups(std::int64_t since, int limit) {
  return guarded([&]() -> Result<std::vector<Topup>> {
    auto s = db_.prepare(select_from(kTopupColumns, "topups",
                                     "WHERE state != 'settled' AND created_at >= ? ORDER BY created_at LIMIT ?"));
    s.bind(1, since).bind(2, std::int64_t{limit});
    std::vector<Topup> rows;
    while (s.step()) rows.push_back(read_topup(s));
    return rows;
  });
}

Result<std::int64_t> SqlitePaymentStore::open_topup_count(const std::string& user_id) {
  return guarded([&]() -> Result<std::int64_t> {
    auto s = db_.prepare("SELECT count(*) FROM topups WHERE user_id = ? AND state = 'open'");
    s.bind(1, user_id).step();
    return s.integer(0);
  });
}

Result<void> SqlitePaymentStore::request_payout(const Payout& p, const PayoutLimits& limits) {
  return guarded([&]() -> Result<void> {
    if (p.amount < limits.min_amount)
      return std::unexpected(StoreError{StoreError::Kind::invalid, "the payout of " + format_credits(p.amount) +
                                                                       " credits is below the minimum of " +
                                                                       format_credits(limits.min_amount)});
    Transaction tx(db_);
    auto day = db_.prepare("SELECT coalesce(sum(amount), 0) FROM payouts "
                           "WHERE user_id = ? AND created_at > ? AND state != 'failed'");
    day.bind(1, p.user_id).bind(2, p.created_at - kDaySeconds).step();
    const std::int64_t today = day.integer(0);
    if (today + p.amount > limits.max_per_day)
      return std::unexpected(StoreError{
          StoreError::Kind::invalid, "payouts are limited to " + format_credits(limits.max_per_day) +
                                         " credits a day; " + format_credits(today) +
                                         " were paid out in the last 24 hours"});
    const std::string account = user_account(p.user_id);
    const std::int64_t available = balance_of(db_, account);
    if (available < p.amount)
      return std::unexpected(StoreError{StoreError::Kind::insufficient,
                                        "balance " + format_credits(available) + " < payout " +
                                            format_credits(p.amount)});
    auto insert = db_.prepare(
        "INSERT INTO payouts (id, user_id, payment_hash, invoice, sats, amount, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'in_flight', ?)");
    insert.bind(1, p.id).bind(2, p.user_id).bind(3, p.payment_hash).bind(4, p.invoice).bind(5, p.sats)
        .bind(6, p.amount).bind(7, p.created_at);
    insert.step();  // a known hash throws a constraint error: conflict
    post_transfer(db_, {{account, -p.amount, "payout_hold"}, {payout_account(p.id), p.amount, "payout_hold"}}, "",
                  "Lightning payout " + p.id);
    append_audit(db_, {p.user_id, "payout.requested", p.id, "", amount_detail(p.payment_hash, p.sats, p.amount)});
    tx.commit();
    return {};
  });
}

Result<bool> SqlitePaymentStore::finish_payout(const std::string& payment_hash, PayoutState state,
                                               std::int64_t fee_sat, const std::string& failure, std::int64_t now) {
  return guarded([&]() -> Result<bool> {
    if (state == PayoutState::in_flight)
      return std::unexpected(StoreError{StoreError::Kind::invalid, "a payout ends as succeeded or failed"});
    Transaction tx(db_);
    auto find = db_.prepare(select_from(kPayoutColumns, "payouts", "WHERE payment_hash = ?"));
    find.bind(1, payment_hash);
    if (!find.step()) return std::unexpected(not_found("payout"));
    const Payout payout = read_payout(find);
    find.reset();
    if (payout.state != PayoutState::in_flight) return false;
    const bool paid = state == PayoutState::succeeded;
    const std::string reason = paid ? std::string() : reason_word(failure);
    auto mark = db_.prepare("UPDATE payouts SET state = ?2, fee_sat = ?3, failure = ?4, finished_at = ?5 "
                            "WHERE payment_hash = ?1 AND state = 'in_flight'");
    mark.bind(1, payment_hash).bind(2, to_string(state)).bind(3, fee_sat).bind(4, reason).bind(5, now).step();
    if (db_.changes() != 1) return false;
    post_transfer(db_,
                  {{payout_account(payout.id), -payout.amount, paid ? "payout_sent" : "payout_release"},
                   {paid ? std::string(kLightningAccount) : user_account(payout.user_id), payout.amount,
                    paid ? "payout_sent" : "payout_release"}},
                  "", "Lightning payout " + payout.id);
    std::string detail = amount_detail(payment_hash, payout.sats, payout.amount);
    detail.pop_back();
    detail += R"(,"fee_sat":)" + std::to_string(fee_sat) + (paid ? "" : R"(,"failure":")" + reason + "\"") + "}";
    append_audit(db_, {"", paid ? "payout.succeeded" : "payout.failed", payout.id, "", detail});
    tx.commit();
    return true;
  });
}

Result<std::vector<Payout>> SqlitePaymentStore::in_flight_payouts() {
  return guarded([&]() -> Result<std::vector<Payout>> {
    auto s = db_.prepare(select_from(kPayoutColumns, "payouts", "WHERE state = 'in_flight' ORDER BY created_at"));
    std::vector<Payout> rows;
    while (s.step()) rows.push_back(read_payout(s));
    return rows;
  });
}

Result<std::vector<Topup>> SqlitePaymentStore::list_topups(const std::string& user_id, int limit) {
  return list_own<TopupTable>(db_, user_id, limit);
}

Result<std::vector<Payout>> SqlitePaymentStore::list_payouts(const std::string& user_id, int limit) {
  return list_own<PayoutTable>(db_, user_id, limit);
}

Result<Topup> SqlitePaymentStore::find_topup(const std::string& user_id, const std::string& id) {
  return find_own<TopupTable>(db_, user_id, id);
}

Result<Payout> SqlitePaymentStore::find_payout(const std::string& user_id, const std::string& id) {
  return find_own<PayoutTable>(db_, user_id, id);
}

}  // namespace potluck::store::sqlite
