#pragma once
// Each subcommand registers its flags on the CLI11 app and returns the action
// to run when it is chosen. main.cpp only dispatches.
#include <functional>

namespace CLI {
class App;
}

namespace potluck::cli {

using Action = std::function<int()>;

void add_serve_command(CLI::App& app, Action& action);
void add_node_command(CLI::App& app, Action& action);
void add_admin_command(CLI::App& app, Action& action);
void add_keys_command(CLI::App& app, Action& action);
void add_chat_command(CLI::App& app, Action& action);

}  // namespace potluck::cli
