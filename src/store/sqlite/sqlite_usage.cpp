#include "store/sqlite/sqlite_usage.h"

#include "store/sqlite/guarded.h"
#include "store/sqlite/usage_daily.h"

namespace potluck::store::sqlite {
namespace {

// ?1 from, ?2 to (Unix ms, [from, to)), ?3 user ('' = everyone).
constexpr std::string_view kEventsInRange =
    "FROM usage_events WHERE ts >= ?1 AND ts < ?2 AND (?3 = '' OR user_id = ?3)";

// The days that hold [from, to), as YYYY-MM-DD strings.
constexpr std::string_view kDaysInRange =
    "FROM usage_daily WHERE day BETWEEN strftime('%Y-%m-%d', ?1 / 1000, 'unixepoch') "
    "AND strftime('%Y-%m-%d', (?2 - 1) / 1000, 'unixepoch') AND (?3 = '' OR user_id = ?3)";

// The record of the node that ran the job, while it is kept: who owns it (so a
// consumer is shown only their own nodes' ids, store/node_alias.h) and its name.
constexpr std::string_view kNodeOwnerAndName =
    "(SELECT owner_id FROM nodes WHERE nodes.id = usage_events.node_id), "
    "(SELECT name FROM nodes WHERE nodes.id = usage_events.node_id)";

// A failure is a job that ended in an error or a timeout; a cancelled job was
// the consumer's choice.
constexpr std::string_view kFailed = "status IN ('error', 'timeout')";

void bind_query(Statement& s, const UsageQuery& query) {
  s.bind(1, query.from_ms).bind(2, query.to_ms).bind(3, query.user_id);
}

UsageEvent read_event(const Statement& s) {
  UsageEvent e;
  e.ts_ms = s.integer(0);
  e.job_id = s.text(1);
  e.user_id = s.text(2);
  e.key_id = s.text(3);
  e.node_id = s.text(4);
  e.model = s.text(5);
  e.kind = s.text(6);
  e.prompt_tokens = s.integer(7);
  e.completion_tokens = s.integer(8);
  e.ttft_ms = s.is_null(9) ? -1 : s.integer(9);
  e.latency_ms = s.integer(10);
  // A status this version does not write reads as a failure.
  e.status = usage_status_from(s.text(11)).value_or(UsageStatus::error);
  e.error_code = failure_code_from(s.text(12));
  e.cluster_id = s.text(13);
  e.tier = s.text(14);
  e.language = s.text(15);
  e.cost = s.integer(16);
  e.cpu_ms = s.is_null(17) ? -1 : s.integer(17);
  e.exit_code = s.is_null(18) ? -1 : s.integer(18);
  e.node_owner_id = s.text(19);
  e.node_name = s.text(20);
  return e;
}

}  // namespace

Result<std::vector<UsageEvent>> SqliteUsageStore::events(const UsageQuery& query) {
  return guarded([&]() -> Result<std::vector<UsageEvent>> {
    auto s = db_.prepare(
        "SELECT ts, job_id, user_id, key_id, node_id, model, kind, prompt_tokens, completion_tokens, "
        "ttft_ms, latency_ms, status, error_code, cluster_id, tier, language, cost, cpu_ms, exit_code, " +
        std::string(kNodeOwnerAndName) + " " + std::string(kEventsInRange) + " ORDER BY ts, id");
    bind_query(s, query);
    std::vector<UsageEvent> events;
    while (s.step()) events.push_back(read_event(s));
    return events;
  });
}

Result<std::vector<UsageDaySummary>> SqliteUsageStore::summary(const UsageQuery& query) {
  return guarded([&]() -> Result<std::vector<UsageDaySummary>> {
    auto s = db_.prepare(
        "WITH rows AS ("
        " SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch') AS day, model, 1 AS jobs,"
        " status = 'ok' AS ok_jobs, prompt_tokens, completion_tokens, latency_ms, cost " +
        std::string(kEventsInRange) +
        " UNION ALL"
        " SELECT day, model, jobs, CASE WHEN status = 'ok' THEN jobs ELSE 0 END, prompt_tokens,"
        " completion_tokens, latency_ms_total, cost " +
        std::string(kDaysInRange) +
        ") SELECT day, model, sum(jobs), sum(ok_jobs), sum(prompt_tokens), sum(completion_tokens),"
        " sum(latency_ms), sum(cost) FROM rows GROUP BY day, model ORDER BY day, model");
    bind_query(s, query);
    std::vector<UsageDaySummary> days;
    while (s.step())
      days.push_back({s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4), s.integer(5),
                      s.integer(6), s.integer(7)});
    return days;
  });
}

Result<std::vector<UsageMinute>> SqliteUsageStore::per_minute(const UsageQuery& query) {
  return guarded([&]() -> Result<std::vector<UsageMinute>> {
    auto s = db_.prepare("SELECT ts / 60000 * 60, count(*), sum(prompt_tokens), sum(completion_tokens), sum(" +
                         std::string(kFailed) + ") " + std::string(kEventsInRange) + " GROUP BY 1 ORDER BY 1");
    bind_query(s, query);
    std::vector<UsageMinute> minutes;
    while (s.step())
      minutes.push_back({s.integer(0), s.integer(1), s.integer(2), s.integer(3), s.integer(4)});
    return minutes;
  });
}

Result<std::vector<UsageFailure>> SqliteUsageStore::failures(const UsageQuery& query, int limit) {
  return guarded([&]() -> Result<std::vector<UsageFailure>> {
    auto s = db_.prepare("SELECT ts, model, error_code, node_id, " + std::string(kNodeOwnerAndName) + " " +
                         std::string(kEventsInRange) + " AND " +
                         std::string(kFailed) + " ORDER BY ts DESC, id DESC LIMIT ?4");
    bind_query(s, query);
    s.bind(4, std::int64_t{limit});
    std::vector<UsageFailure> failures;
    while (s.step())
      failures.push_back({s.integer(0), s.text(1), failure_code_from(s.text(2)), s.text(3), s.text(4), s.text(5)});
    return failures;
  });
}

Result<UsageFold> SqliteUsageStore::fold_before(std::int64_t cutoff_ms) {
  return guarded([&]() -> Result<UsageFold> {
    Transaction tx(db_);
    UsageFold fold;
    db_.prepare(upsert_usage_daily(
                    "SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch'), coalesce(user_id, ''), "
                    "coalesce(cluster_id, ''), coalesce(node_id, ''), model, kind, coalesce(tier, ''), "
                    "status, count(*), sum(prompt_tokens), sum(completion_tokens), sum(latency_ms), "
                    "sum(cost) FROM usage_events WHERE ts < ?1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"))
        .bind(1, cutoff_ms)
        .step();
    fold.daily_rows = db_.changes();
    db_.prepare("DELETE FROM usage_events WHERE ts < ?1").bind(1, cutoff_ms).step();
    fold.events = db_.changes();
    tx.commit();
    return fold;
  });
}

Result<std::int64_t> SqliteUsageStore::drop_daily_before(std::int64_t cutoff_ms) {
  return guarded([&]() -> Result<std::int64_t> {
    // A day is dropped whole: the one the cutoff falls in stays.
    db_.prepare("DELETE FROM usage_daily WHERE day < strftime('%Y-%m-%d', ?1 / 1000, 'unixepoch')")
        .bind(1, cutoff_ms)
        .step();
    return db_.changes();
  });
}

}  // namespace potluck::store::sqlite
