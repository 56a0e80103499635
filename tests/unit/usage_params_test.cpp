// Usage queries: dates and Unix seconds, who may read whose usage, CSV
// quoting, and the query-string and UTC helpers under them.
#include "common/query_string.h"
#include "common/utc_time.h"
#include "coordinator/api/csv.h"
#include "coordinator/api/usage_handler.h"

#include <gtest/gtest.h>

namespace {
using potluck::coordinator::Principal;
using potluck::coordinator::api::usage_query;

const Principal kMember{"usr_member", "key_m", potluck::store::Role::member, "inference exec"};
const Principal kAdmin{"usr_admin", "key_a", potluck::store::Role::admin, "inference exec admin"};
const Principal kAdminWithoutScope{"usr_admin", "key_b", potluck::store::Role::admin, "inference"};

potluck::QueryParams params(std::string_view target) { return potluck::parse_query(target).value(); }

TEST(UtcTime, ParsesRealDatesOnly) {
  EXPECT_EQ(potluck::parse_utc_date("1970-01-01"), 0);
  EXPECT_EQ(potluck::parse_utc_date("2026-11-23"), 1'795'392'000);
  EXPECT_EQ(potluck::parse_utc_date("2024-02-29"), 1'709'164'800);
  for (auto bad : {"2023-02-29", "2026-13-01", "2026-1-01", "20261123", "", "1969-12-31", "2026-11-2x"})
    EXPECT_FALSE(potluck::parse_utc_date(bad)) << bad;
}

TEST(UtcTime, FormatsDatesAndTimestamps) {
  EXPECT_EQ(potluck::utc_date(1'795'435'200'123), "2026-11-23");
  EXPECT_EQ(potluck::utc_timestamp(1'795'435'200'123), "2026-11-23T12:00:00.123Z");
  EXPECT_EQ(potluck::utc_timestamp(0), "1970-01-01T00:00:00.000Z");
}

TEST(QueryString, DecodesAndRoundTrips) {
  auto p = params("/api/x?a=1&b=x%20y+z&empty=&flag&a=2");
  EXPECT_EQ(p.at("a"), "2");
  EXPECT_EQ(p.at("b"), "x y z");
  EXPECT_EQ(p.at("empty"), "");
  EXPECT_EQ(p.at("flag"), "");
  EXPECT_FALSE(potluck::parse_query("/x?a=%zz"));
  EXPECT_FALSE(potluck::parse_query("/x?a=%4"));
  EXPECT_TRUE(potluck::parse_query("/x").value().empty());
  EXPECT_EQ(potluck::build_query({{"cluster", "a b&c"}, {"skip", ""}, {"after", "3"}}), "?after=3&cluster=a%20b%26c");
}

TEST(UsageQuery, AMemberReadsTheirOwnUsage) {
  auto q = usage_query(kMember, params("/api/usage"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->user_id, "usr_member");
  EXPECT_EQ(q->from_ms, 0);
  EXPECT_GT(q->to_ms, 0);
  auto self = usage_query(kMember, params("/api/usage?user=usr_member"));
  ASSERT_TRUE(self);
  EXPECT_EQ(self->user_id, "usr_member");
}

TEST(UsageQuery, OnlyAnAdminActingAsOneReadsOthers) {
  for (auto target : {"/api/usage?user=usr_other", "/api/usage?all=1"}) {
    EXPECT_EQ(usage_query(kMember, params(target)).error().status, 403) << target;
    EXPECT_EQ(usage_query(kAdminWithoutScope, params(target)).error().status, 403) << target;
  }
  EXPECT_EQ(usage_query(kAdmin, params("/api/usage?user=usr_other"))->user_id, "usr_other");
  EXPECT_EQ(usage_query(kAdmin, params("/api/usage?all=true"))->user_id, "");
  EXPECT_EQ(usage_query(kAdmin, params("/api/usage?all=1&user=usr_x")).error().status, 400);
}

TEST(UsageQuery, DatesCoverWholeDaysAndSecondsAreExact) {
  auto q = usage_query(kMember, params("/api/usage?from=2026-11-01&to=2026-11-23"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->from_ms, 1'793'491'200'000);
  EXPECT_EQ(q->to_ms, 1'795'478'400'000);  // midnight after the 23rd
  auto s = usage_query(kMember, params("/api/usage?from=100&to=200"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->from_ms, 100'000);
  EXPECT_EQ(s->to_ms, 200'000);
}

TEST(UsageQuery, BadRangesAre400) {
  for (auto target : {"/api/usage?from=yesterday", "/api/usage?to=2026-02-30", "/api/usage?from=-5",
                      "/api/usage?from=99999999999999", "/api/usage?from=200&to=100",
                      "/api/usage?from=2026-01-02&to=2026-01-01", "/api/usage?all=maybe"}) {
    auto q = usage_query(kMember, params(target));
    ASSERT_FALSE(q) << target;
    EXPECT_EQ(q.error().status, 400) << target;
    EXPECT_FALSE(q.error().message.empty());
  }
}

TEST(Csv, QuotesWhatNeedsQuoting) {
  potluck::coordinator::api::CsvWriter csv;
  csv.text("plain").text("a,b").text("say \"hi\"").text("two\nlines").number(-3).empty();
  csv.end_row();
  EXPECT_EQ(csv.str(), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",-3,\r\n");
}

TEST(Csv, NeutralisesSpreadsheetFormulas) {
  potluck::coordinator::api::CsvWriter csv;
  csv.text("=HYPERLINK(\"x\")").text("+1").text("@sum").text("model-1");
  csv.end_row();
  EXPECT_EQ(csv.str(), "\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'@sum\",model-1\r\n");
}

}  // namespace
