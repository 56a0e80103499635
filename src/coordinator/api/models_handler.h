#pragma once
// GET /v1/models: the models online now, in OpenAI's list format.
#include "coordinator/auth.h"
#include "coordinator/registry.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

// The ids of the models online now that the caller may use: public ones and
// those of the caller's own clusters, never another cluster's.
std::vector<Registry::ModelEntry> visible_models(const Registry& registry, const Principal& caller);

net::Response list_models(const Principal& caller, const Registry& registry);

}  // namespace potluck::coordinator::api
