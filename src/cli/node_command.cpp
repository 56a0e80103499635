#include "cli/commands.h"
#include "cli/flags.h"
#include "common/log.h"
#include "common/strings.h"
#include "node/daemon.h"

#include <iostream>

namespace potluck::cli {

std::shared_ptr<const node::NodeConfig> add_node_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("node", "Run the provider daemon: offer a local backend to a coordinator");
  auto config = std::make_shared<node::NodeConfig>();
  auto models = std::make_shared<std::string>();
  auto log_level = std::make_shared<std::string>("info");
  auto durations = std::make_shared<DurationFlags>();
  auto& c = *config;
  c.state_dir = "potluck-node";

  cmd->add_option("--coordinator", c.coordinator_url, "Coordinator URL, e.g. http://127.0.0.1:8400")
      ->envname("POTLUCK_COORDINATOR")->required();
  cmd->add_option("--token", c.token, "Node token (pln_...) from `potluck admin node-token`")
      ->envname("POTLUCK_NODE_TOKEN")->required();
  cmd->add_option("--state-dir", c.state_dir, "Directory for the node's identity")
      ->envname("POTLUCK_STATE_DIR")->capture_default_str();
  cmd->add_option("--name", c.name, "Name shown to the network (default: host name)")
      ->envname("POTLUCK_NODE_NAME");
  cmd->add_option("--backend", c.backend, "openai (an OpenAI-compatible server) or mock")
      ->envname("POTLUCK_BACKEND")->check(CLI::IsMember({"openai", "mock"}))->capture_default_str();
  cmd->add_option("--upstream", c.upstream_url,
                  "Upstream server for --backend openai, e.g. http://127.0.0.1:11434 (Ollama)")
      ->envname("POTLUCK_UPSTREAM");
  cmd->add_option("--models", *models,
                  "Comma-separated models: the mock's models, or a filter on the upstream's")
      ->envname("POTLUCK_MODELS");
  cmd->add_option("--price", c.prices,
                  "Asking price, credits per million tokens: IN:OUT for every model or MODEL=IN:OUT "
                  "(repeatable; default free)")
      ->envname("POTLUCK_PRICE")->delimiter(',');
  cmd->add_option("--max-jobs", c.max_jobs, "Jobs run at once")
      ->envname("POTLUCK_MAX_JOBS")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--log-level", *log_level, "trace, debug, info, warn, error")
      ->envname("POTLUCK_LOG_LEVEL")->capture_default_str();
  durations->add(cmd, "--models-refresh-s", c.models_refresh, "POTLUCK_MODELS_REFRESH_S",
                 "How often the upstream's model list is re-read");
  durations->add(cmd, "--reconnect-min-ms", c.reconnect_min, "POTLUCK_RECONNECT_MIN_MS",
                 "First reconnect delay (doubles up to the max, with jitter)");
  durations->add(cmd, "--reconnect-max-ms", c.reconnect_max, "POTLUCK_RECONNECT_MAX_MS",
                 "Longest reconnect delay");
  durations->add(cmd, "--drain-timeout-s", c.drain_timeout, "POTLUCK_DRAIN_TIMEOUT_S",
                 "On SIGTERM, how long in-flight jobs may take to finish");

  cmd->callback([&action, config, models, log_level, durations] {
    durations->apply();
    config->models = split(*models, ',');
    action = [config, log_level]() -> int {
      init_logging("node", *log_level);
      if (config->backend == "openai" && config->upstream_url.empty()) {
        std::cerr << "potluck node: --backend openai needs --upstream URL\n";
        return 2;
      }
      return node::run_node(*config);
    };
  });
  return config;
}

}  // namespace potluck::cli
