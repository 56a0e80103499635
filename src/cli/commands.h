#pragma once
// Each subcommand registers its flags on the CLI11 app and returns the action
// to run when it is chosen. main.cpp only dispatches.
#include "coordinator/config.h"
#include "node/daemon.h"

#include <functional>
#include <memory>

namespace CLI {
class App;
}

namespace potluck::cli {

using Action = std::function<int()>;

// serve and node return their settings, filled in once the command line is
// parsed (flags, then environment, then defaults), so tests can check them.
std::shared_ptr<const coordinator::CoordinatorConfig> add_serve_command(CLI::App& app, Action& action);
std::shared_ptr<const node::NodeConfig> add_node_command(CLI::App& app, Action& action);
void add_admin_command(CLI::App& app, Action& action);
void add_keys_command(CLI::App& app, Action& action);
void add_chat_command(CLI::App& app, Action& action);
// `potluck wallet topup|payout` under `wallet`.
void add_wallet_payment_commands(CLI::App* wallet, Action& action);
void add_wallet_command(CLI::App& app, Action& action);
void add_grant_command(CLI::App& admin, Action& action);  // under `admin`
void add_pricing_command(CLI::App& app, Action& action);
void add_tiers_command(CLI::App& app, Action& action);
void add_nodes_command(CLI::App& app, Action& action);
void add_audit_command(CLI::App& app, Action& action);
void add_usage_command(CLI::App& app, Action& action);
void add_me_command(CLI::App& app, Action& action);
// signup, whoami, users, invites
void add_account_commands(CLI::App& app, Action& action);
void add_cluster_command(CLI::App& app, Action& action);
void add_node_tokens_command(CLI::App& app, Action& action);
void add_exec_command(CLI::App& app, Action& action);
void add_jobs_command(CLI::App& app, Action& action);
void add_selftest_command(CLI::App& app, Action& action);  // selftest privacy
void add_sandbox_exec_command(CLI::App& app, Action& action);

}  // namespace potluck::cli
