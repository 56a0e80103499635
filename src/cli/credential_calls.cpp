#include "cli/credential_calls.h"

#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;

void add_invite_flags(CLI::App* cmd, InviteFlags& flags) {
  cmd->add_option("--max-uses", flags.max_uses, "How many times the code may be used (default 1)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000}));
  cmd->add_option("--expires-in-s", flags.expires_in_s, "Seconds until the code expires (default 7 days)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{365LL * 24 * 3600}));
}

int create_invite(const ApiOptions& api, const std::string& path, const InviteFlags& flags, std::string_view command) {
  json::object body;
  if (flags.max_uses > 0) body["max_uses"] = flags.max_uses;
  if (flags.expires_in_s > 0) body["expires_in_s"] = flags.expires_in_s;
  auto created = call_api(api, http::verb::post, path, body, 201, command);
  if (!created) return 1;
  print_secret("invite", *created,
               field(*created, "max_uses") + " uses, expires at " + field(*created, "expires_at"), "code");
  return 0;
}

int list_invites(const ApiOptions& api, const std::string& path, std::string_view command) {
  auto listing = call_api(api, http::verb::get, path, std::nullopt, 200, command);
  if (!listing) return 1;
  print_listing(*listing, {{"ID", "id"}, {"STATE", "state"}, {"USES", "uses"}, {"MAX", "max_uses"},
                           {"EXPIRES", "expires_at"}, {"CREATED BY", "created_by"}});
  return 0;
}

int create_node_token(const ApiOptions& api, const std::string& path, const std::string& name,
                      std::string_view command) {
  json::object body;
  if (!name.empty()) body["name"] = name;
  auto created = call_api(api, http::verb::post, path, body, 201, command);
  if (!created) return 1;
  print_secret("node token", *created, "cluster " + field(*created, "cluster"), "token");
  return 0;
}

int list_node_tokens(const ApiOptions& api, const std::string& path, std::string_view command) {
  auto listing = call_api(api, http::verb::get, path, std::nullopt, 200, command);
  if (!listing) return 1;
  print_listing(*listing, {{"ID", "id"}, {"NAME", "name"}, {"CLUSTER", "cluster"}, {"CREATED", "created_at"},
                           {"REVOKED", "revoked_at"}});
  return 0;
}

int revoke_credential(const ApiOptions& api, const std::string& path, const std::string& id, std::string_view what,
                      std::string_view command) {
  if (!call_api(api, http::verb::delete_, path + "/" + id, std::nullopt, 200, command)) return 1;
  std::cout << "revoked " << what << " " << id << "\n";
  return 0;
}

}  // namespace potluck::cli
