// `potluck audit list|verify`: the audit log, over the API (/api/audit).
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/api_output.h"
#include "common/query_string.h"
#include "common/utc_time.h"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr int kChainBroken = 2;

struct AuditListOptions {
  ApiOptions api;
  std::string cluster;
  std::int64_t after = 0;
  std::int64_t limit = 100;
};

void print_row(const json::object& row) {
  std::printf("%-6s %-24s %-24s %-22s %-22s %-22s %s\n", text_or_dash(row.if_contains("seq")).c_str(),
              utc_timestamp(row.at("ts").to_number<std::int64_t>()).c_str(), text_or_dash(row.if_contains("action")).c_str(),
              text_or_dash(row.if_contains("actor_id")).c_str(), text_or_dash(row.if_contains("subject_id")).c_str(),
              text_or_dash(row.if_contains("cluster_id")).c_str(), text_or_dash(row.if_contains("detail")).c_str());
}

void print_header() {
  std::printf("%-6s %-24s %-24s %-22s %-22s %-22s %s\n", "SEQ", "TIME", "ACTION", "ACTOR", "SUBJECT",
              "CLUSTER", "DETAIL");
}

int list(const AuditListOptions& o) {
  QueryParams params{{"cluster", o.cluster}, {"after", std::to_string(o.after)},
                     {"limit", std::to_string(o.limit)}};
  auto reply = ApiClient(o.api).call(http::verb::get, "/api/audit" + build_query(params));
  if (int rc = check_reply("audit", reply, 200)) return rc;
  const json::value listing = json::parse(reply->body);
  const auto& page = listing.as_object();
  print_header();
  for (const auto& row : page.at("data").as_array()) print_row(row.as_object());
  if (page.at("has_more").as_bool())
    std::cout << "more rows follow: --after " << text_or_dash(page.if_contains("next_after")) << "\n";
  return 0;
}

// Exit 0 when the chain is intact, kChainBroken (with the row) when it is not.
int verify(const ApiOptions& api) {
  auto reply = ApiClient(api).call(http::verb::get, "/api/audit/verify");
  if (int rc = check_reply("audit", reply, 200)) return rc;
  const json::value verdict = json::parse(reply->body);
  const auto& v = verdict.as_object();
  if (v.at("ok").as_bool()) {
    std::cout << "audit chain intact: " << text_or_dash(v.if_contains("rows")) << " rows ("
              << text_or_dash(v.if_contains("pruned_rows")) << " pruned by retention under "
              << text_or_dash(v.if_contains("checkpoints")) << " checkpoints)\n";
    return 0;
  }
  std::cout << "audit chain BROKEN at row " << text_or_dash(v.if_contains("first_broken_seq")) << ": "
            << text_or_dash(v.if_contains("reason")) << " (" << text_or_dash(v.if_contains("rows")) << " rows)\n";
  if (const auto* row = v.if_contains("row"); row && row->is_object()) {
    print_header();
    print_row(row->as_object());
  }
  return kChainBroken;
}

}  // namespace

void add_audit_command(CLI::App& app, Action& action) {
  auto* audit = app.add_subcommand("audit", "Read and verify the tamper-evident audit log");
  audit->require_subcommand(1);
  auto o = std::make_shared<AuditListOptions>();

  auto* list_cmd = audit->add_subcommand(
      "list", "Audit rows, oldest first (admin: all; a cluster's owner: --cluster)");
  add_api_flags(list_cmd, o->api);
  list_cmd->add_option("--cluster", o->cluster, "Only this cluster's rows");
  list_cmd->add_option("--after", o->after, "Rows after this sequence number")->capture_default_str();
  list_cmd->add_option("--limit", o->limit, "Rows per page (1 to 1000)")->capture_default_str();
  list_cmd->callback([&action, o] { action = [o] { return list(*o); }; });

  auto* verify_cmd = audit->add_subcommand(
      "verify", "Walk the chain and report the first broken row (admin); exit 2 if broken");
  add_api_flags(verify_cmd, o->api);
  verify_cmd->callback([&action, o] { action = [o] { return verify(o->api); }; });
}

}  // namespace potluck::cli
