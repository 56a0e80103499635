#pragma once
// POST /v1/exec (the router checks the `exec` scope): validate, decide where the job
// may run (as completions do: the request's "cluster", else the key's bound
// cluster, else the public pool; a cluster only for its members), check that
// a node there runs the language, then relay the job (ExecRelay), which holds
// and settles its cost.
#include "coordinator/api/exec_relay.h"
#include "coordinator/auth.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class ExecHandler {
 public:
  explicit ExecHandler(ExecRelay::Deps deps) : deps_(deps) {}

  // `caller` holds the exec scope (the router checked it).
  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, Principal& caller);

 private:
  ExecRelay::Deps deps_;
};

}  // namespace potluck::coordinator::api
