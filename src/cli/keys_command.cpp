// `potluck keys create|list|revoke`: the caller's API keys, over the API.
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/output.h"

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
  auto key_id = std::make_shared<std::string>();

  auto* create = keys->add_subcommand("create", "Create a key; its secret is printed once, last");
  add_api_flags(create, *api);
  create->add_option("--name", *name, "A name to recognise the key by")->required();
  create->add_option("--scopes", *scopes, "inference, exec, admin (default: the caller's)");
  create->callback([&action, api, name, scopes] {
    action = [api, name, scopes] {
      json::object body{{"name", *name}};
      if (!scopes->empty()) body["scopes"] = *scopes;
      auto created = call_json(*api, "keys", http::verb::post, "/api/keys", json::serialize(body), 201);
      if (!created) return created.error();
      const auto& obj = created->as_object();
      std::cout << "created key " << text_or_dash(obj.if_contains("id")) << " ("
                << text_or_dash(obj.if_contains("scopes")) << "); it is shown only now:\n"
                << text_or_dash(obj.if_contains("key")) << std::endl;
      return 0;
    };
  });

  auto* list = keys->add_subcommand("list", "List your keys (never their secrets)");
  add_api_flags(list, *api);
  list->callback([&action, api] {
    action = [api] {
      auto listing = call_json(*api, "keys", http::verb::get, "/api/keys", "", 200);
      if (!listing) return listing.error();
      std::cout << "ID            NAME                 SCOPES                 CREATED     LAST USED   REVOKED\n";
      for (const auto& item : listing->as_object().at("data").as_array()) {
        const auto& k = item.as_object();
        std::printf("%-13s %-20s %-22s %-11s %-11s %s\n", text_or_dash(k.if_contains("id")).c_str(),
                    text_or_dash(k.if_contains("name")).substr(0, 20).c_str(),
                    text_or_dash(k.if_contains("scopes")).c_str(),
                    text_or_dash(k.if_contains("created_at")).c_str(),
                    text_or_dash(k.if_contains("last_used_at")).c_str(),
                    text_or_dash(k.if_contains("revoked_at")).c_str());
      }
      return 0;
    };
  });

  auto* revoke = keys->add_subcommand("revoke", "Revoke a key: it stops working at once");
  add_api_flags(revoke, *api);
  revoke->add_option("id", *key_id, "The key's id (from `keys list`)")->required();
  revoke->callback([&action, api, key_id] {
    action = [api, key_id] {
      auto revoked = call_json(*api, "keys", http::verb::delete_, "/api/keys/" + *key_id, "", 200);
      if (!revoked) return revoked.error();
      std::cout << "revoked " << *key_id << "\n";
      return 0;
    };
  });
}

}  // namespace potluck::cli
