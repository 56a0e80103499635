#include "cli/commands.h"
#include "cli/flags.h"
#include "common/log.h"
#include "common/strings.h"
#include "node/daemon.h"

#include <iostream>

namespace potluck::cli {
namespace {

void add_exec_flags(CLI::App* cmd, node::exec::ExecSettings& exec, std::string& languages, std::string& sandbox) {
  auto& max = exec.max;
  cmd->add_flag("--exec", exec.enabled, "Run consumers' programs in a sandbox (beside or instead of a backend)")
      ->envname("POTLUCK_EXEC");
  cmd->add_option("--exec-languages", languages,
                  "Comma-separated languages to offer (default: every installed one of python3,node,bash,c,c++)")
      ->envname("POTLUCK_EXEC_LANGUAGES");
  cmd->add_option("--exec-sandbox", sandbox, "auto (bubblewrap if installed, else namespaces), bwrap or namespaces")
      ->envname("POTLUCK_EXEC_SANDBOX")->check(CLI::IsMember({"auto", "bwrap", "namespaces"}))->capture_default_str();
  cmd->add_option("--exec-max-timeout-ms", max.timeout_ms, "Longest wall-clock time of a program (CPU time follows)")
      ->envname("POTLUCK_EXEC_MAX_TIMEOUT_MS")->check(CLI::Range(100, 300'000))->capture_default_str();
  cmd->add_option("--exec-max-memory-mb", max.memory_mb, "Most memory (data) of each process of a program")
      ->envname("POTLUCK_EXEC_MAX_MEMORY_MB")->check(CLI::Range(16, 65'536))->capture_default_str();
  cmd->add_option("--exec-max-processes", max.processes, "Most processes and threads of a program")
      ->envname("POTLUCK_EXEC_MAX_PROCESSES")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--exec-max-file-mb", max.file_size_mb, "Largest file a program may write")
      ->envname("POTLUCK_EXEC_MAX_FILE_MB")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--exec-max-open-files", max.open_files, "Most open files of a process")
      ->envname("POTLUCK_EXEC_MAX_OPEN_FILES")->check(CLI::Range(16, 65'536))->capture_default_str();
  cmd->add_option("--exec-max-output-bytes", max.output_bytes, "stdout + stderr kept; past it the output is cut and the program stopped")
      ->envname("POTLUCK_EXEC_MAX_OUTPUT_BYTES")->check(CLI::Range(1024, 64 << 20))->capture_default_str();
  cmd->add_option("--exec-tmpfs-mb", max.tmpfs_mb, "Size of the work directory and of /tmp (memory-backed)")
      ->envname("POTLUCK_EXEC_TMPFS_MB")->check(CLI::Range(1, 16'384))->capture_default_str();
}

}  // namespace

std::shared_ptr<const node::NodeConfig> add_node_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("node", "Run the provider daemon: offer a local backend to a coordinator");
  auto config = std::make_shared<node::NodeConfig>();
  auto models = std::make_shared<std::string>();
  auto log_options = std::make_shared<LogOptions>();
  auto durations = std::make_shared<DurationFlags>();
  auto& c = *config;
  c.state_dir = "potluck-node";

  cmd->add_option("--coordinator", c.coordinator_url,
                  "Coordinator URL, e.g. https://coordinator.example or http://127.0.0.1:8400")
      ->envname("POTLUCK_COORDINATOR")->required();
  cmd->add_option("--ca-file", c.coordinator_tls.ca_file,
                  "PEM CA trusted for an https:// or wss:// coordinator besides the system store")
      ->envname("POTLUCK_CA_FILE");
  cmd->add_option("--coordinator-fingerprint", c.coordinator_tls.fingerprint,
                  "Trust only a coordinator whose certificate has this public key, sha256:HEX of its SPKI "
                  "(instead of the CA chain; for self-signed certificates)")
      ->envname("POTLUCK_COORDINATOR_FINGERPRINT");
  cmd->add_flag("--insecure-http", c.insecure_http,
                "Allow a plain http:// or ws:// coordinator that is not on this machine (TLS ends at a proxy on a "
                "trusted network)")
      ->envname("POTLUCK_INSECURE_HTTP");
  cmd->add_option("--token", c.token, "Node token (pln_...) from `potluck admin node-token`")
      ->envname("POTLUCK_NODE_TOKEN")->required();
  cmd->add_option("--state-dir", c.state_dir, "Directory for the node's identity")
      ->envname("POTLUCK_STATE_DIR")->capture_default_str();
  cmd->add_option("--name", c.name, "Name shown to the network (default: a random name such as brave-otter-42, kept in the state dir)")
      ->envname("POTLUCK_NODE_NAME");
  cmd->add_option("--backend", c.backend, "openai (an OpenAI-compatible server), mock, or none (with --exec)")
      ->envname("POTLUCK_BACKEND")->check(CLI::IsMember({"openai", "mock", "none"}))->capture_default_str();
  cmd->add_option("--upstream", c.upstream_url,
                  "Upstream server for --backend openai, e.g. http://127.0.0.1:11434 (Ollama)")
      ->envname("POTLUCK_UPSTREAM");
  cmd->add_option("--upstream-ca-file", c.upstream_ca_file,
                  "PEM CA trusted for an https:// upstream besides the system store")
      ->envname("POTLUCK_UPSTREAM_CA_FILE");
  cmd->add_option("--models", *models,
                  "Comma-separated models: the mock's models, or a filter on the upstream's")
      ->envname("POTLUCK_MODELS");
  cmd->add_option("--embedding-models", c.embedding_models,
                  "For --backend openai: models the upstream answers /v1/embeddings for ('*': all it lists); "
                  "offered for POST /v1/embeddings (the mock embeds with all its models)")
      ->envname("POTLUCK_EMBEDDING_MODELS")->delimiter(',');
  cmd->add_option("--responses-models", c.responses_models,
                  "For --backend openai: models the upstream answers /v1/responses for itself ('*': all it lists); "
                  "POST /v1/responses for them is passed through instead of translated to chat")
      ->envname("POTLUCK_RESPONSES_MODELS")->delimiter(',');
  cmd->add_option("--price", c.prices,
                  "Asking price, credits per million tokens: IN:OUT for every model or MODEL=IN:OUT "
                  "(repeatable; default free)")
      ->envname("POTLUCK_PRICE")->delimiter(',');
  cmd->add_option("--exec-price", c.exec_price,
                  "Asking price for --exec, credits per CPU second a program uses (default free)")
      ->envname("POTLUCK_EXEC_PRICE")->capture_default_str();
  cmd->add_option("--max-jobs", c.max_jobs, "Jobs run at once")
      ->envname("POTLUCK_MAX_JOBS")->check(CLI::Range(1, 100000))->capture_default_str();
  add_log_flags(cmd, *log_options);
  durations->add(cmd, "--models-refresh-s", c.models_refresh, "POTLUCK_MODELS_REFRESH_S",
                 "How often the upstream's model list is re-read");
  durations->add(cmd, "--reconnect-min-ms", c.reconnect_min, "POTLUCK_RECONNECT_MIN_MS",
                 "First reconnect delay (doubles up to the max, with jitter)");
  durations->add(cmd, "--reconnect-max-ms", c.reconnect_max, "POTLUCK_RECONNECT_MAX_MS",
                 "Longest reconnect delay");
  durations->add(cmd, "--drain-timeout-s", c.drain_timeout, "POTLUCK_DRAIN_TIMEOUT_S",
                 "On SIGTERM, how long in-flight jobs may take to finish");

  auto exec_languages = std::make_shared<std::string>();
  auto exec_sandbox = std::make_shared<std::string>("auto");
  add_exec_flags(cmd, c.exec, *exec_languages, *exec_sandbox);

  cmd->callback([&action, config, models, log_options, durations, exec_languages, exec_sandbox] {
    durations->apply();
    config->models = split(*models, ',');
    config->exec.languages = split(*exec_languages, ',');
    config->exec.isolation = *exec_sandbox == "bwrap"        ? node::exec::Isolation::bwrap
                             : *exec_sandbox == "namespaces" ? node::exec::Isolation::namespaces
                                                             : node::exec::Isolation::automatic;
    action = [config, log_options]() -> int {
      if (auto logging = init_logging("node", *log_options); !logging) {
        std::cerr << "potluck node: " << logging.error() << "\n";
        return 2;
      }
      if (config->backend == "openai" && config->upstream_url.empty()) {
        std::cerr << "potluck node: --backend openai needs --upstream URL\n";
        return 2;
      }
      if (config->backend == "none" && !config->exec.enabled) {
        std::cerr << "potluck node: --backend none offers nothing without --exec\n";
        return 2;
      }
      return node::run_node(*config);
    };
  });
  return config;
}

}  // namespace potluck::cli
