#pragma once
// The provider daemon: connects out to a coordinator, offers the models of one
// local backend and/or sandboxed code execution, and runs the jobs it is sent
// until SIGTERM/SIGINT.
#include "net/tls_client.h"
#include "node/exec/exec_settings.h"

#include <chrono>
#include <string>
#include <vector>

namespace potluck::node {

struct NodeConfig {
  std::string coordinator_url;   // http(s)://host:port or ws(s)://host:port (connect to <url>/v1/nodes/connect)
  net::TlsClientOptions coordinator_tls;  // --ca-file, --coordinator-fingerprint (https/wss only)
  bool insecure_http = false;    // allow plain http/ws to a coordinator that is not on loopback
  std::string token;             // node token "pln_..." sent as Authorization: Bearer
  std::string state_dir;         // node id and default name kept in <state_dir>/node_id, node_name (0600)
  std::string name;              // default: a random name kept in <state_dir>/node_name
  std::string backend = "mock";  // "openai" | "mock" | "none" (exec only)
  std::string upstream_url;      // for openai: e.g. http://127.0.0.1:8080 (the /v1 prefix is added by the backend)
  std::string upstream_ca_file;  // a CA trusted for an https:// upstream besides the system store
  std::vector<std::string> models;  // mock: model ids (default {"mock-small"}); openai: optional filter
  // openai: the models the engine answers /v1/embeddings for ("*": all it
  // lists); offered to the coordinator as embedding-capable. The mock answers
  // embeddings for all its models.
  std::vector<std::string> embedding_models;
  std::vector<std::string> responses_models;  // --responses-models: the engine answers /v1/responses for these
  std::vector<std::string> prices;  // "[MODEL=]IN:OUT" credits per million tokens (see price_list.h)
  std::string exec_price = "0";     // credits per CPU second of an exec job
  int max_jobs = 8;
  std::chrono::seconds models_refresh{30};
  std::chrono::milliseconds reconnect_min{200}, reconnect_max{10000};
  std::chrono::seconds drain_timeout{30};
  exec::ExecSettings exec;       // --exec: run consumers' programs in a sandbox
};

// Runs until SIGTERM/SIGINT (then drains) or a fatal start-up error. Returns the process exit code.
int run_node(const NodeConfig& config);

}  // namespace potluck::node
