// `potluck sandbox-exec`: internal. The node starts it for every exec job
// (see src/node/exec/sandbox_exec.h); not meant to be run by hand.
#include "cli/commands.h"
#include "node/exec/sandbox_exec.h"

#include <CLI/CLI.hpp>

namespace potluck::cli {

void add_sandbox_exec_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("sandbox-exec", "Internal: the exec sandbox's helper, started by the node");
  cmd->group("");  // hidden from --help
  auto options = std::make_shared<node::exec::SandboxExecOptions>();
  cmd->add_option("--isolation", options->isolation, "bwrap or namespaces")
      ->check(CLI::IsMember({"bwrap", "namespaces"}));
  cmd->add_flag_callback("--inside", [options] { options->isolation = "inside"; }, "Run as the supervisor");
  cmd->add_option("--tmpfs-mb", options->tmpfs_mb, "Size of the work directory and /tmp");
  cmd->callback([&action, options] {
    action = [options] { return node::exec::sandbox_exec_main(*options); };
  });
}

}  // namespace potluck::cli
