// `potluck node-tokens create|list|revoke`: a provider's tokens for nodes that
// serve the public pool, over the API.
#include "cli/credential_calls.h"

namespace potluck::cli {

void add_node_tokens_command(CLI::App& app, Action& action) {
  auto* tokens = app.add_subcommand("node-tokens", "Manage your node tokens for the public pool");
  tokens->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto name = std::make_shared<std::string>();
  auto token_id = std::make_shared<std::string>();
  const std::string path = "/api/node-tokens";

  add_api_subcommand(tokens, "create", "Create a token for `potluck node --token`; printed once, last", action, api,
                     [name, path](const ApiOptions& o) { return create_node_token(o, path, *name, "node-tokens"); })
      ->add_option("--name", *name, "A name to recognise the token by");
  add_api_subcommand(tokens, "list", "List your public-pool node tokens", action, api,
                     [path](const ApiOptions& o) { return list_node_tokens(o, path, "node-tokens"); });
  add_api_subcommand(tokens, "revoke", "Revoke a token; its nodes are disconnected", action, api,
                     [token_id, path](const ApiOptions& o) {
                       return revoke_credential(o, path, *token_id, "node token", "node-tokens");
                     })
      ->add_option("id", *token_id, "The token's id")->required();
}

}  // namespace potluck::cli
