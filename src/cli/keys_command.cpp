// `potluck keys create|list|revoke`: the caller's API keys, over the API.
#include "cli/api_output.h"

#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;

void add_keys_command(CLI::App& app, Action& action) {
  auto* keys = app.add_subcommand("keys", "Manage your API keys");
  keys->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto name = std::make_shared<std::string>();
  auto scopes = std::make_shared<std::string>();
  auto cluster = std::make_shared<std::string>();
  auto key_id = std::make_shared<std::string>();

  auto* create = add_api_subcommand(
      keys, "create", "Create a key; its secret is printed once, last", action, api,
      [name, scopes, cluster](const ApiOptions& o) {
        json::object body{{"name", *name}};
        if (!scopes->empty()) body["scopes"] = *scopes;
        if (!cluster->empty()) body["cluster"] = *cluster;
        auto created = call_api(o, http::verb::post, "/api/keys", body, 201, "keys");
        if (!created) return 1;
        print_secret("key", *created, field(*created, "scopes") + ", cluster " + field(*created, "cluster"), "key");
        return 0;
      });
  create->add_option("--name", *name, "A name to recognise the key by")->required();
  create->add_option("--scopes", *scopes,
                     "inference, exec, account (manage keys, node tokens, the account), admin "
                     "(default: the caller's)");
  create->add_option("--cluster", *cluster, "Bind the key to one of your clusters (its id)");

  add_api_subcommand(keys, "list", "List your keys (never their secrets)", action, api, [](const ApiOptions& o) {
    auto listing = call_api(o, http::verb::get, "/api/keys", std::nullopt, 200, "keys");
    if (!listing) return 1;
    print_listing(*listing, {{"ID", "id"}, {"NAME", "name"}, {"SCOPES", "scopes"}, {"CLUSTER", "cluster"},
                             {"CREATED", "created_at"}, {"LAST USED", "last_used_at"}, {"REVOKED", "revoked_at"}});
    return 0;
  });

  auto* revoke = add_api_subcommand(
      keys, "revoke", "Revoke a key: it stops working at once", action, api, [key_id](const ApiOptions& o) {
        if (!call_api(o, http::verb::delete_, "/api/keys/" + *key_id, std::nullopt, 200, "keys")) return 1;
        std::cout << "revoked " << *key_id << "\n";
        return 0;
      });
  revoke->add_option("id", *key_id, "The key's id (from `keys list`)")->required();
}

}  // namespace potluck::cli
