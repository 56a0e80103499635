// potluck-ledger-bench: what a priced request costs the ledger (its hold, then
// its usage event with the settlement, each one transaction on a real SQLite
// file, as the store thread runs them) when the payer already has 0, 100,000
// or 1,000,000 ledger rows. Before kept balances a hold summed every row of
// the payer; with them, the figures should not move with the row count.
// Also times one full `ledger check` at each size. Prints one JSON object per
// size on stdout. Figures, not a test: `make bench` (scripts/bench-ledger).
//
//   potluck-ledger-bench [--rows 0,100000,1000000] [--jobs 2000]
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {
using namespace potluck::store;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<std::int64_t> rows{0, 100'000, 1'000'000};
  int jobs = 2000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--jobs") {
      o.jobs = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--rows") {
      o.rows.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) o.rows.push_back(std::stoll(item));
    } else {
      std::fprintf(stderr, "usage: potluck-ledger-bench [--rows 0,100000,1000000] [--jobs 2000]\n");
      std::exit(2);
    }
  }
  return o;
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// `rows` one-credit grants to the payer, written in one statement (as many
// rows for the grants account), with the kept balances moved to match. The
// ledger check afterwards proves the seeding kept the books straight.
void seed(sqlite::SqliteStore& store, const std::string& payer_account, std::int64_t rows) {
  if (rows == 0) return;
  auto& db = store.database();
  sqlite::Transaction tx(db);
  for (const auto& [account, amount] : {std::pair{payer_account, 1}, std::pair{std::string(kGrantsAccount), -1}}) {
    auto insert = db.prepare(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
        "INSERT INTO ledger (transfer_id, ts, account, amount, kind, memo) "
        "SELECT 'txf_seed' || i, 0, ?2, ?3, 'grant', 'bench seed' FROM n");
    insert.bind(1, rows).bind(2, account).bind(3, std::int64_t{amount}).step();
    auto kept = db.prepare("UPDATE account_balances SET balance = balance + ?2 WHERE account = ?1");
    kept.bind(1, account).bind(2, rows * amount).step();
  }
  tx.commit();
}

UsageEvent usage(const std::string& job, const std::string& user, const Settlement& settlement) {
  UsageEvent e;
  e.ts_ms = 1;
  e.job_id = job;
  e.user_id = user;
  e.model = "bench-model";
  e.kind = "chat";
  e.status = UsageStatus::ok;
  e.cost = settlement.cost;
  e.settlement = settlement;
  return e;
}

void run(std::int64_t rows, int jobs) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("potluck-ledger-bench-" + std::to_string(std::random_device{}()));
  {
    auto store = sqlite::SqliteStore::open(dir.string());
    const auto payer = store->create_user("", "payer@bench.test", Role::member).value().id;
    const auto provider = store->create_user("", "provider@bench.test", Role::member).value().id;
    const std::int64_t hold_amount = 1000;
    store->ledger().grant("", payer, hold_amount * jobs).value();
    seed(*store, user_account(payer), rows);

    const auto check_start = Clock::now();
    const auto check = store->ledger().check().value();
    const double check_ms = micros(Clock::now() - check_start) / 1000;
    if (!check.balanced()) {
      std::fprintf(stderr, "ledger-bench: seeding broke the ledger: %s\n", summary(check).c_str());
      std::exit(1);
    }

    std::vector<double> holds, settles;
    holds.reserve(jobs);
    settles.reserve(jobs);
    for (int i = 0; i < jobs; ++i) {
      const std::string job = "job_bench_" + std::to_string(i);
      auto t0 = Clock::now();
      store->ledger().hold(user_account(payer), job, hold_amount).value();
      auto t1 = Clock::now();
      store->insert_usage({usage(job, payer, {user_account(payer), hold_amount, 600, user_account(provider), 60})})
          .value();
      auto t2 = Clock::now();
      holds.push_back(micros(t1 - t0));
      settles.push_back(micros(t2 - t1));
    }
    std::printf("{\"payer_rows\":%lld,\"ledger_rows\":%lld,\"jobs\":%d,\"hold_us_p50\":%.1f,\"hold_us_p99\":%.1f,"
                "\"settle_us_p50\":%.1f,\"settle_us_p99\":%.1f,\"check_ms\":%.1f}\n",
                static_cast<long long>(rows), static_cast<long long>(check.rows), jobs, percentile(holds, 0.5),
                percentile(holds, 0.99), percentile(settles, 0.5), percentile(settles, 0.99), check_ms);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse(argc, argv);
  for (auto rows : options.rows) run(rows, options.jobs);
  return 0;
}
