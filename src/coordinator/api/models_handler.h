#pragma once
// GET /v1/models and GET /v1/models/{id}: the models online now, in OpenAI's
// model format. Each entry is one model in one placement: `owned_by` names
// the placement ("potluck" for the public pool, the cluster's name for a
// private cluster), `created` is when the model was first offered there
// (kept across restarts), and Potluck adds what a caller needs to choose:
// `nodes_online`, `price` (micro-credits per million tokens, the highest a
// node asks: what a hold assumes; 0 in a cluster, which charges nothing) and
// `context_length` (the smallest a node reported; absent when none did).
#include "coordinator/auth.h"
#include "coordinator/registry.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

// The models online now that the caller may use: public ones and those of
// the caller's own clusters, never another cluster's.
std::vector<Registry::ModelEntry> visible_models(const Registry& registry, const Principal& caller);

net::Response list_models(const Principal& caller, const Registry& registry);

// One model by id (`encoded_id` as captured from the path, percent-encoded):
// the entry of the placement the caller's requests go to by default (the
// key's cluster, else the public pool), else the first visible one; 404 in
// the OpenAI error envelope when no node the caller may use serves it.
net::Response retrieve_model(const Principal& caller, const Registry& registry, std::string_view encoded_id);

}  // namespace potluck::coordinator::api
