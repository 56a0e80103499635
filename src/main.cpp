// potluck: one binary, subcommands. This file only dispatches.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <iostream>

#if defined(__SANITIZE_ADDRESS__)
// Sanitizer builds only (make test-asan). The exec sandbox's helper
// (`potluck sandbox-exec`) starts with an empty environment, so ASAN_OPTIONS
// cannot reach it, and it runs under a seccomp filter that refuses ptrace,
// which LeakSanitizer's exit-time check needs: the check could only fail.
// Every other process is started by the tests with ASAN_OPTIONS, which
// overrides this default and keeps leak checking on.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

int main(int argc, char** argv) {
  CLI::App app{"Potluck: a community compute network (coordinator, node daemon and client)"};
  app.set_version_flag("--version", POTLUCK_VERSION);
  app.require_subcommand(1);
  potluck::cli::Action action;
  potluck::cli::add_serve_command(app, action);
  potluck::cli::add_node_command(app, action);
  potluck::cli::add_admin_command(app, action);
  potluck::cli::add_keys_command(app, action);
  potluck::cli::add_chat_command(app, action);
  potluck::cli::add_wallet_command(app, action);
  potluck::cli::add_pricing_command(app, action);
  potluck::cli::add_tiers_command(app, action);
  potluck::cli::add_nodes_command(app, action);
  potluck::cli::add_audit_command(app, action);
  potluck::cli::add_usage_command(app, action);
  potluck::cli::add_me_command(app, action);
  potluck::cli::add_account_commands(app, action);
  potluck::cli::add_cluster_command(app, action);
  potluck::cli::add_node_tokens_command(app, action);
  potluck::cli::add_exec_command(app, action);
  potluck::cli::add_jobs_command(app, action);
  potluck::cli::add_selftest_command(app, action);
  potluck::cli::add_sandbox_exec_command(app, action);
  CLI11_PARSE(app, argc, argv);
  if (!action) return 0;
  // Start-up failures (an unreadable data dir, a port in use) end here, for
  // every subcommand alike, with a message instead of an abort.
  try {
    return action();
  } catch (const std::exception& e) {
    std::cerr << "potluck " << app.get_subcommands().front()->get_name() << ": " << e.what() << "\n";
    return 1;
  }
}
