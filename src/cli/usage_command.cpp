// `potluck usage`: the caller's usage by day and model, or raw events as CSV,
// over the API (/api/usage, /api/usage.csv).
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/api_output.h"
#include "common/query_string.h"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

struct UsageOptions {
  ApiOptions api;
  std::string from;
  std::string to;
  std::string user;
  bool all = false;
  bool csv = false;
};

// Micro-credits as credits with six decimals.
std::string credits(std::int64_t micro) {
  char text[48];
  std::snprintf(text, sizeof text, "%s%lld.%06lld", micro < 0 ? "-" : "",
                static_cast<long long>(std::abs(micro / 1'000'000)),
                static_cast<long long>(std::abs(micro % 1'000'000)));
  return text;
}

void print_summary(const json::object& summary) {
  std::printf("%-10s %-28s %8s %8s %12s %12s %16s\n", "DAY", "MODEL", "JOBS", "OK", "TOKENS IN",
              "TOKENS OUT", "COST (credits)");
  auto line = [](const json::object& row, const std::string& day, const std::string& model) {
    std::printf("%-10s %-28s %8s %8s %12s %12s %16s\n", day.c_str(), model.substr(0, 28).c_str(),
                text_or_dash(row.if_contains("jobs")).c_str(), text_or_dash(row.if_contains("ok_jobs")).c_str(),
                text_or_dash(row.if_contains("prompt_tokens")).c_str(), text_or_dash(row.if_contains("completion_tokens")).c_str(),
                credits(row.at("cost").to_number<std::int64_t>()).c_str());
  };
  for (const auto& item : summary.at("data").as_array()) {
    const auto& row = item.as_object();
    line(row, text_or_dash(row.if_contains("day")), text_or_dash(row.if_contains("model")));
  }
  line(summary.at("totals").as_object(), "total", "");
}

int usage(const UsageOptions& o) {
  QueryParams params{{"from", o.from}, {"to", o.to}, {"user", o.user}, {"all", o.all ? "1" : ""}};
  const std::string path = o.csv ? "/api/usage.csv" : "/api/usage";
  auto reply = ApiClient(o.api).call(http::verb::get, path + build_query(params));
  if (int rc = check_reply("usage", reply, 200)) return rc;
  if (o.csv) {
    std::cout << reply->body << std::flush;
    return 0;
  }
  const json::value summary = json::parse(reply->body);
  print_summary(summary.as_object());
  return 0;
}

}  // namespace

void add_usage_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("usage", "Your usage by day and model, or raw events as CSV");
  auto o = std::make_shared<UsageOptions>();
  add_api_flags(cmd, o->api);
  cmd->add_option("--from", o->from, "First day (YYYY-MM-DD, UTC) or Unix seconds");
  cmd->add_option("--to", o->to, "Last day (YYYY-MM-DD, UTC, included) or Unix seconds (excluded)");
  cmd->add_flag("--csv", o->csv, "Raw events as CSV on stdout");
  auto* user = cmd->add_option("--user", o->user, "Another user's usage (admin)");
  cmd->add_flag("--all", o->all, "Everyone's usage (admin)")->excludes(user);
  cmd->callback([&action, o] { action = [o] { return usage(*o); }; });
}

}  // namespace potluck::cli
