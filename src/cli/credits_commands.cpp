// Credits and the public pool's market, over the API:
//   potluck wallet                       balance and history (topup, payout:
//                                        wallet_payments_command.cpp)
//   potluck admin grant USER AMOUNT      (admin) credits to a user
//   potluck pricing show|set             price bounds and platform fee
//   potluck tiers list|set|delete        service classes of the public pool
//   potluck nodes list | trust NODE LEVEL  the nodes you may see; (admin) community | verified
#include "cli/commands.h"
#include "cli/api_output.h"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;

void add_wallet_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("wallet", "Your credits: balance and ledger history");
  auto api = std::make_shared<ApiOptions>();
  auto limit = std::make_shared<int>(20);
  add_api_flags(cmd, *api);
  cmd->add_option("--limit", *limit, "History rows to show")->check(CLI::Range(1, 500))->capture_default_str();
  add_wallet_payment_commands(cmd, action);
  cmd->callback([&action, api, limit, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // topup or payout chose the action
    action = [api, limit] {
      auto wallet = call_api(*api, http::verb::get, "/api/wallet?limit=" + std::to_string(*limit), std::nullopt, 200, "wallet");
      if (!wallet) return 1;
      std::cout << "balance: " << field(*wallet, "balance") << " credits\n";
      std::cout << "ID      WHEN        KIND      AMOUNT           JOB\n";
      for (const auto& e : wallet->as_object().at("history").as_array())
        std::printf("%-7s %-11s %-9s %-16s %s\n", field(e, "id").c_str(), field(e, "ts").c_str(),
                    field(e, "kind").c_str(), field(e, "amount").c_str(), field(e, "job_id").c_str());
      return 0;
    };
  });
}

void add_grant_command(CLI::App& admin, Action& action) {
  auto* cmd = admin.add_subcommand("grant", "Grant credits to a user (over the API, with an admin key)");
  auto api = std::make_shared<ApiOptions>();
  auto user = std::make_shared<std::string>();
  auto amount = std::make_shared<std::string>();
  add_api_flags(cmd, *api);
  cmd->add_option("user", *user, "The user's id or email")->required();
  cmd->add_option("amount", *amount, "Credits, e.g. 25 or 0.5")->required();
  cmd->callback([&action, api, user, amount] {
    action = [api, user, amount] {
      const json::object body{{"user", *user}, {"amount", *amount}};
      auto granted = call_api(*api, http::verb::post, "/api/admin/grants", body, 201, "admin grant");
      if (!granted) return 1;
      std::cout << "granted " << field(*granted, "amount") << " credits to " << field(*granted, "user_id")
                << " (transfer " << field(*granted, "transfer_id") << ")\n";
      return 0;
    };
  });
}

void add_pricing_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("pricing", "The public pool's price bounds and platform fee");
  cmd->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto print = [](const json::value& p) {
    std::cout << "node prices are clamped to " << field(p, "min_price") << " .. " << field(p, "max_price")
              << " credits per million tokens; platform fee " << field(p, "fee_percent") << "%\n"
              << "exec prices are clamped to " << field(p, "exec_min_price") << " .. "
              << field(p, "exec_max_price") << " credits per CPU second\n";
  };

  auto* show = cmd->add_subcommand("show", "Show the bounds and the fee");
  add_api_flags(show, *api);
  show->callback([&action, api, print] {
    action = [api, print] {
      auto pricing = call_api(*api, http::verb::get, "/api/pricing", std::nullopt, 200, "pricing");
      if (!pricing) return 1;
      print(*pricing);
      return 0;
    };
  });

  auto* set = cmd->add_subcommand("set", "Change them (admin)");
  add_api_flags(set, *api);
  auto min = std::make_shared<std::string>();
  auto max = std::make_shared<std::string>();
  auto exec_min = std::make_shared<std::string>();
  auto exec_max = std::make_shared<std::string>();
  auto fee = std::make_shared<int>(-1);
  set->add_option("--min-price", *min, "Lowest price a node may ask (credits per million tokens)");
  set->add_option("--max-price", *max, "Highest price a node may ask");
  set->add_option("--exec-min-price", *exec_min, "Lowest exec price a node may ask (credits per CPU second)");
  set->add_option("--exec-max-price", *exec_max, "Highest exec price a node may ask");
  set->add_option("--fee-percent", *fee, "Platform fee, percent of each charge")->check(CLI::Range(0, 100));
  set->callback([&action, api, min, max, exec_min, exec_max, fee, print] {
    action = [api, min, max, exec_min, exec_max, fee, print] {
      json::object body;
      if (!min->empty()) body["min_price"] = *min;
      if (!max->empty()) body["max_price"] = *max;
      if (!exec_min->empty()) body["exec_min_price"] = *exec_min;
      if (!exec_max->empty()) body["exec_max_price"] = *exec_max;
      if (*fee >= 0) body["fee_percent"] = *fee;
      auto pricing = call_api(*api, http::verb::put, "/api/pricing", body, 200, "pricing");
      if (!pricing) return 1;
      print(*pricing);
      return 0;
    };
  });
}

void add_tiers_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("tiers", "Service classes of the public pool (\"model\": \"tier:NAME\")");
  cmd->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();

  auto* list = cmd->add_subcommand("list", "List the tiers");
  add_api_flags(list, *api);
  list->callback([&action, api] {
    action = [api] {
      auto tiers = call_api(*api, http::verb::get, "/api/tiers", std::nullopt, 200, "tiers");
      if (!tiers) return 1;
      std::cout << "NAME         MIN TRUST   MAX IN      MAX OUT     MODELS\n";
      for (const auto& t : tiers->as_object().at("data").as_array())
        std::printf("%-12s %-11s %-11s %-11s %s\n", field(t, "name").c_str(), field(t, "min_trust").c_str(),
                    field(t, "max_price_in").c_str(), field(t, "max_price_out").c_str(), field(t, "models").c_str());
      return 0;
    };
  });

  auto* set = cmd->add_subcommand("set", "Create or change a tier (admin)");
  add_api_flags(set, *api);
  auto name = std::make_shared<std::string>();
  auto models = std::make_shared<std::vector<std::string>>();
  auto trust = std::make_shared<std::string>("community");
  auto max_in = std::make_shared<std::string>();
  auto max_out = std::make_shared<std::string>();
  set->add_option("name", *name, "Tier name")->required();
  set->add_option("--models", *models, "Models in the tier (comma-separated)")->delimiter(',')->required();
  set->add_option("--min-trust", *trust, "community or verified")->check(CLI::IsMember({"community", "verified"}));
  set->add_option("--max-price-in", *max_in, "Highest input price (credits per million tokens)");
  set->add_option("--max-price-out", *max_out, "Highest output price (credits per million tokens)");
  set->callback([&action, api, name, models, trust, max_in, max_out] {
    action = [api, name, models, trust, max_in, max_out] {
      json::array model_list;
      for (const auto& m : *models) model_list.emplace_back(m);
      json::object body{{"models", std::move(model_list)}, {"min_trust", *trust}};
      if (!max_in->empty()) body["max_price_in"] = *max_in;
      if (!max_out->empty()) body["max_price_out"] = *max_out;
      auto tier = call_api(*api, http::verb::put, "/api/tiers/" + *name, body, 200, "tiers");
      if (!tier) return 1;
      std::cout << "tier " << field(*tier, "name") << " set\n";
      return 0;
    };
  });

  auto* remove = cmd->add_subcommand("delete", "Delete a tier (admin)");
  add_api_flags(remove, *api);
  remove->add_option("name", *name, "Tier name")->required();
  remove->callback([&action, api, name] {
    action = [api, name] {
      auto deleted = call_api(*api, http::verb::delete_, "/api/tiers/" + *name, std::nullopt, 200, "tiers");
      if (!deleted) return 1;
      std::cout << "tier " << *name << " deleted\n";
      return 0;
    };
  });
}

void add_nodes_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("nodes", "Nodes of the network");
  cmd->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto node = std::make_shared<std::string>();
  auto level = std::make_shared<std::string>();
  add_api_subcommand(cmd, "list", "The nodes you may see: state, load, health, trust", action, api,
                     [](const ApiOptions& o) {
                       auto nodes = call_api(o, http::verb::get, "/api/nodes", std::nullopt, 200, "nodes");
                       if (!nodes) return 1;
                       print_listing(*nodes, {{"ID", "id"}, {"NAME", "name"}, {"STATE", "state"},
                                              {"IN FLIGHT", "in_flight"}, {"TRUST", "trust"},
                                              {"CLUSTER", "cluster_id"}, {"LAST SEEN", "last_seen"}});
                       return 0;
                     });
  auto* trust = cmd->add_subcommand("trust", "Set a public node's trust level (admin)");
  add_api_flags(trust, *api);
  trust->add_option("node", *node, "Node id")->required();
  trust->add_option("level", *level, "community or verified")
      ->required()->check(CLI::IsMember({"community", "verified"}));
  trust->callback([&action, api, node, level] {
    action = [api, node, level] {
      const json::object body{{"trust", *level}};
      auto set = call_api(*api, http::verb::put, "/api/nodes/" + *node + "/trust", body, 200, "nodes");
      if (!set) return 1;
      std::cout << "node " << *node << " is now " << *level << "\n";
      return 0;
    };
  });
}

}  // namespace potluck::cli
