#pragma once
// Maps method + path to handlers. Every route states who may call it.
#include "coordinator/api/completions_handler.h"
#include "coordinator/api/exec_handler.h"
#include "coordinator/api/keys_handler.h"
#include "coordinator/node_hub.h"
#include "net/http_server.h"

#include <functional>

namespace potluck::coordinator {

struct Services {
  const CoordinatorConfig& config;
  KeyAuthenticator& auth;
  Registry& registry;
  Metrics& metrics;
  NodeHub& hub;
  api::CompletionsHandler& completions;
  api::KeysHandler& keys;
  api::ExecHandler& exec;
  std::function<std::size_t()> open_connections;
};

net::Handler make_router(Services services);

}  // namespace potluck::coordinator
