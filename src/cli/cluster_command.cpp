// `potluck cluster ...`: private clusters over the API: create, list, show,
// delete, invite codes, join, leave, remove members, and the cluster's node
// tokens.
#include "cli/credential_calls.h"

#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr std::string_view kCommand = "cluster";

std::string cluster_path(const std::string& id) { return "/api/clusters/" + id; }

int show_cluster(const ApiOptions& o, const std::string& id) {
  auto cluster = call_api(o, http::verb::get, cluster_path(id), std::nullopt, 200, kCommand);
  if (!cluster) return 1;
  std::cout << "cluster  " << field(*cluster, "id") << " " << field(*cluster, "name") << "\n"
            << "owner    " << field(*cluster, "owner_id") << "\n"
            << "you are  " << field(*cluster, "role") << "\n";
  json::value members = json::object{{"data", cluster->as_object().at("members")}};
  print_listing(members, {{"MEMBER", "user_id"}, {"ROLE", "role"}, {"JOINED", "joined_at"}});
  return 0;
}

int delete_cluster(const ApiOptions& o, const std::string& id, bool yes) {
  if (!yes) {
    std::cerr << "potluck cluster: deleting cluster " << id << " removes every member, revokes its invites and\n"
                 "node tokens and disconnects its nodes; it cannot be undone. Run again with --yes to do it.\n";
    return 2;
  }
  auto deleted = call_api(o, http::verb::delete_, cluster_path(id), std::nullopt, 200, kCommand);
  if (!deleted) return 1;
  std::cout << "deleted cluster " << id << ": " << field(*deleted, "members_removed") << " members removed, "
            << field(*deleted, "node_tokens_revoked") << " node tokens revoked, "
            << field(*deleted, "nodes_disconnected") << " nodes disconnected\n";
  return 0;
}

}  // namespace

void add_cluster_command(CLI::App& app, Action& action) {
  auto* cluster = app.add_subcommand("cluster", "Private clusters: members, invite codes, node tokens");
  cluster->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto id = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto other = std::make_shared<std::string>();  // a user, token or invite code, per subcommand
  auto flags = std::make_shared<InviteFlags>();
  auto add = [&](const std::string& sub, const std::string& help, std::function<int(const ApiOptions&)> run) {
    return add_api_subcommand(cluster, sub, help, action, api, std::move(run));
  };
  auto with_id = [id](CLI::App* cmd) { cmd->add_option("id", *id, "The cluster's id")->required(); return cmd; };

  add("create", "Create a cluster; you are its owner", [name](const ApiOptions& o) {
    auto created = call_api(o, http::verb::post, "/api/clusters", json::object{{"name", *name}}, 201, kCommand);
    if (!created) return 1;
    std::cout << "created cluster " << field(*created, "name") << "\n" << field(*created, "id") << std::endl;
    return 0;
  })->add_option("name", *name, "A unique name")->required();
  add("list", "List your clusters", [](const ApiOptions& o) {
    auto listing = call_api(o, http::verb::get, "/api/clusters", std::nullopt, 200, kCommand);
    if (!listing) return 1;
    print_listing(*listing, {{"ID", "id"}, {"NAME", "name"}, {"ROLE", "role"}});
    return 0;
  });
  with_id(add("show", "Show a cluster and its members", [id](const ApiOptions& o) { return show_cluster(o, *id); }));
  auto yes = std::make_shared<bool>(false);
  with_id(add("delete", "Delete the cluster (owner): members, invites, node tokens and node records go",
              [id, yes](const ApiOptions& o) { return delete_cluster(o, *id, *yes); }))
      ->add_flag("--yes", *yes, "Confirm: without it nothing is deleted");
  add_invite_flags(with_id(add("invite", "Create an invite code (owner); printed once, last", [id, flags](const ApiOptions& o) {
    return create_invite(o, cluster_path(*id) + "/invites", *flags, kCommand);
  })), *flags);
  with_id(add("invites", "List the cluster's invites (owner)", [id](const ApiOptions& o) {
    return list_invites(o, cluster_path(*id) + "/invites", kCommand);
  }));
  with_id(add("revoke-invite", "Revoke an invite code of the cluster (owner)", [id, other](const ApiOptions& o) {
    return revoke_credential(o, cluster_path(*id) + "/invites", *other, "invite", kCommand);
  }))->add_option("invite", *other, "The invite's id")->required();
  add("join", "Join a cluster with an invite code", [other](const ApiOptions& o) {
    auto joined = call_api(o, http::verb::post, "/api/clusters/join", json::object{{"code", *other}}, 200, kCommand);
    if (!joined) return 1;
    std::cout << "joined cluster " << field(*joined, "name") << " (" << field(*joined, "id") << ")\n";
    return 0;
  })->add_option("code", *other, "The invite code (pli_...)")->required();
  with_id(add("leave", "Leave a cluster (its owner cannot)", [id](const ApiOptions& o) {
    if (!call_api(o, http::verb::post, cluster_path(*id) + "/leave", std::nullopt, 200, kCommand)) return 1;
    std::cout << "left cluster " << *id << "\n";
    return 0;
  }));
  with_id(add("remove", "Remove a member (owner)", [id, other](const ApiOptions& o) {
    if (!call_api(o, http::verb::delete_, cluster_path(*id) + "/members/" + *other, std::nullopt, 200, kCommand))
      return 1;
    std::cout << "removed " << *other << " from cluster " << *id << "\n";
    return 0;
  }))->add_option("user", *other, "The member's user id")->required();
  with_id(add("node-token", "Create a node token for the cluster (owner); printed once, last",
              [id, name](const ApiOptions& o) {
                return create_node_token(o, cluster_path(*id) + "/node-tokens", *name, kCommand);
              }))->add_option("--name", *name, "A name to recognise the token by");
  with_id(add("node-tokens", "List the cluster's node tokens (owner)", [id](const ApiOptions& o) {
    return list_node_tokens(o, cluster_path(*id) + "/node-tokens", kCommand);
  }));
  with_id(add("revoke-token", "Revoke a cluster node token (owner); its nodes are disconnected",
              [id, other](const ApiOptions& o) {
                return revoke_credential(o, cluster_path(*id) + "/node-tokens", *other, "node token", kCommand);
              }))->add_option("token", *other, "The token's id")->required();
}

}  // namespace potluck::cli
