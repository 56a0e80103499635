#pragma once
// GET /v1/models: the models online now, in OpenAI's list format.
#include "coordinator/auth.h"
#include "coordinator/registry.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

net::awaitable<std::optional<net::Response>> list_models(net::Exchange& exchange,
                                                         KeyAuthenticator& auth, Registry& registry);

}  // namespace potluck::coordinator::api
