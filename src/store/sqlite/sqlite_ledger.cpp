#include "store/sqlite/sqlite_ledger.h"

#include "common/clock.h"
#include "common/ids.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"

#include <numeric>
#include <stdexcept>

namespace potluck::store::sqlite {

namespace {

// Moves an account's kept balance by `amount`, in the transfer's transaction.
// A balance that comes back to zero loses its row, so the table holds the
// open accounts only (a settled escrow leaves nothing behind).
class BalanceWriter {
 public:
  explicit BalanceWriter(Database& db)
      : read_(db.prepare("SELECT balance FROM account_balances WHERE account = ?")),
        write_(db.prepare("INSERT INTO account_balances (account, balance) VALUES (?1, ?2) "
                          "ON CONFLICT (account) DO UPDATE SET balance = excluded.balance")),
        drop_(db.prepare("DELETE FROM account_balances WHERE account = ?")) {}

  void move(const std::string& account, std::int64_t amount) {
    read_.bind(1, account);
    const std::int64_t kept = read_.step() ? read_.integer(0) : 0;
    read_.reset();
    const std::int64_t next = kept + amount;
    if (next == 0) {
      drop_.bind(1, account).step();
      drop_.reset();
    } else {
      write_.bind(1, account).bind(2, next).step();
      write_.reset();
    }
  }

 private:
  Statement read_, write_, drop_;
};

}  // namespace

std::string post_transfer(Database& db, const std::vector<Posting>& postings, std::string_view job_id,
                          std::string_view memo) {
  std::int64_t sum = 0;
  for (const auto& p : postings) sum += p.amount;
  if (sum != 0) throw std::logic_error("ledger transfer does not sum to zero");
  const std::string transfer_id = make_id("txf_", 16);
  const std::int64_t now = unix_now_ms();
  auto s = db.prepare("INSERT INTO ledger (transfer_id, ts, account, amount, kind, job_id, memo) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  BalanceWriter balances(db);
  for (const auto& p : postings) {
    if (p.amount == 0) continue;
    s.bind(1, transfer_id).bind(2, now).bind(3, p.account).bind(4, p.amount).bind(5, p.kind)
        .bind_optional(6, job_id).bind(7, memo);
    s.step();
    s.reset();
    balances.move(p.account, p.amount);
  }
  return transfer_id;
}

void post_settlement(Database& db, std::string_view job_id, const Settlement& s) {
  if (s.cost < 0 || s.cost > s.held || s.fee < 0 || s.fee > s.cost)
    throw std::logic_error("settlement out of bounds");
  const std::string provider = s.provider.empty() ? std::string(kPlatformAccount) : s.provider;
  post_transfer(db,
                {{escrow_account(job_id), -s.held, "settle"},
                 {s.payer, s.held - s.cost, "release"},
                 {provider, s.cost - s.fee, "payout"},
                 {std::string(kPlatformAccount), s.fee, "fee"}},
                job_id, "");
}

std::int64_t balance_of(Database& db, std::string_view account) {
  auto s = db.prepare("SELECT balance FROM account_balances WHERE account = ?");
  s.bind(1, account);
  return s.step() ? s.integer(0) : 0;
}

Result<std::string> SqliteLedgerStore::grant(const std::string& actor_id, const std::string& user_id,
                                             std::int64_t amount) {
  return guarded([&]() -> Result<std::string> {
    if (amount <= 0) return std::unexpected(StoreError{StoreError::Kind::invalid, "amount must be positive"});
    Transaction tx(db_);
    auto user = db_.prepare("SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL");
    user.bind(1, user_id);
    if (!user.step()) return std::unexpected(not_found("user"));
    auto transfer = post_transfer(
        db_, {{std::string(kGrantsAccount), -amount, "grant"}, {user_account(user_id), amount, "grant"}},
        "", "granted by " + (actor_id.empty() ? std::string("admin") : actor_id));
    append_audit(db_, {actor_id, "credits.granted", user_id, "",
                       R"({"amount_micro":)" + std::to_string(amount) + R"(,"transfer_id":")" +
                           transfer + "\"}"});
    tx.commit();
    return transfer;
  });
}

Result<void> SqliteLedgerStore::hold(const std::string& payer, const std::string& job_id,
                                     std::int64_t amount) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    const std::int64_t available = balance_of(db_, payer);
    if (available < amount)
      return std::unexpected(StoreError{StoreError::Kind::insufficient,
                                        "balance " + std::to_string(available) + " < " +
                                            std::to_string(amount)});
    post_transfer(db_, {{payer, -amount, "hold"}, {escrow_account(job_id), amount, "hold"}}, job_id, "");
    tx.commit();
    return {};
  });
}

Result<std::int64_t> SqliteLedgerStore::balance(const std::string& account) {
  return guarded([&]() -> Result<std::int64_t> { return balance_of(db_, account); });
}

Result<std::vector<LedgerEntry>> SqliteLedgerStore::history(const std::string& account,
                                                            std::int64_t before_id, int limit) {
  return guarded([&]() -> Result<std::vector<LedgerEntry>> {
    auto s = db_.prepare(
        "SELECT id, transfer_id, ts, account, amount, kind, coalesce(job_id, ''), memo FROM ledger "
        "WHERE account = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3");
    s.bind(1, account).bind(2, before_id).bind(3, std::int64_t{limit});
    std::vector<LedgerEntry> rows;
    while (s.step())
      rows.push_back({s.integer(0), s.text(1), s.integer(2), s.text(3), s.integer(4), s.text(5),
                      s.text(6), s.text(7)});
    return rows;
  });
}

Result<std::int64_t> SqliteLedgerStore::total() {
  return guarded([&]() -> Result<std::int64_t> {
    auto s = db_.prepare("SELECT coalesce(sum(amount), 0) FROM ledger");
    s.step();
    return s.integer(0);
  });
}

Result<LedgerCheck> SqliteLedgerStore::check() {
  return guarded([&]() -> Result<LedgerCheck> {
    LedgerCheck result;
    auto note = [&result](std::string account, std::int64_t kept, std::int64_t summed) {
      if (kept == summed) return;
      ++result.drift_count;
      if (result.drifts.size() < LedgerCheck::kMaxListedDrifts)
        result.drifts.push_back({std::move(account), kept, summed});
    };
    Transaction snapshot(db_, Transaction::Mode::read);  // one snapshot for both reads
    auto sums = db_.prepare(
        "SELECT s.account, coalesce(b.balance, 0), s.summed, s.rows FROM "
        "(SELECT account, sum(amount) AS summed, count(*) AS rows FROM ledger GROUP BY account) s "
        "LEFT JOIN account_balances b ON b.account = s.account");
    while (sums.step()) {
      const std::int64_t summed = sums.integer(2);
      result.rows += sums.integer(3);
      result.total += summed;
      if (summed != 0) ++result.accounts;
      note(sums.text(0), sums.integer(1), summed);
    }
    // Kept balances for accounts that have no rows at all.
    auto orphans = db_.prepare(
        "SELECT account, balance FROM account_balances b "
        "WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.account = b.account)");
    while (orphans.step()) note(orphans.text(0), orphans.integer(1), 0);
    snapshot.commit();
    return result;
  });
}

Result<void> SqliteLedgerStore::settle(const std::string& job_id, const Settlement& settlement) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    post_settlement(db_, job_id, settlement);
    tx.commit();
    return {};
  });
}

Result<int> SqliteLedgerStore::release_open_holds() {
  return guarded([&]() -> Result<int> {
    Transaction tx(db_);
    // The open escrows are the escrow accounts with a kept balance (a range
    // over the key, not a scan of the ledger); each goes back to the account
    // its hold came from.
    auto open = db_.prepare(
        "SELECT e.job_id, b.balance, p.account FROM account_balances b "
        "JOIN ledger e ON e.account = b.account AND e.kind = 'hold' AND e.amount > 0 "
        "JOIN ledger p ON p.transfer_id = e.transfer_id AND p.amount < 0 "
        "WHERE b.account >= 'escrow:' AND b.account < 'escrow;'");
    // Collected first: inserting into the tables while stepping over them
    // would let the new rows show up in the same scan.
    std::vector<Posting> releases;  // account = job id, kind = payer
    while (open.step()) releases.push_back({open.text(0), open.integer(1), open.text(2)});
    for (const auto& r : releases)
      post_transfer(db_, {{escrow_account(r.account), -r.amount, "release"}, {r.kind, r.amount, "release"}},
                    r.account, "released at start-up: the job never settled");
    const int released = static_cast<int>(releases.size());
    tx.commit();
    return released;
  });
}

}  // namespace potluck::store::sqlite
