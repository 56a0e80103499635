#pragma once
// Where a job may run: the nodes of one private cluster, or the public pool,
// optionally narrowed by a tier (a set of models, a minimum trust level and a
// price band). Decided once per request from the caller's key and body.
#include "protocol/frames.h"
#include "store/store.h"

#include <optional>
#include <string>

namespace potluck::coordinator {

class NodeLink;

struct Placement {
  std::string cluster_id;          // empty: the public pool
  std::string model;               // the model asked for; empty when a tier was named
  std::optional<store::Tier> tier;
  std::string language;            // exec jobs: the language to run
  bool embeddings = false;         // only offers whose engine answers embeddings
  bool responses = false;          // only offers whose engine answers the Responses API itself

  static Placement exec(std::string language, std::string cluster_id = {}) {
    return {std::move(cluster_id), "", std::nullopt, std::move(language)};
  }
  bool in_cluster() const { return !cluster_id.empty(); }
  // How the request named its target: "llama3", "tier:fast" or "exec:python3".
  std::string label() const {
    if (!language.empty()) return "exec:" + language;
    return tier ? "tier:" + tier->name : model;
  }
};

// A node that may take the job, the model it would run and its price (after
// the admin's bounds): per million tokens, or for exec per CPU second.
struct Candidate {
  NodeLink* node = nullptr;
  std::string model;
  protocol::Price price;
  std::int64_t cpu_price = 0;  // exec: micro-credits per CPU second
  std::int64_t exec_max_processes = 0;  // exec: the node's process limit per program (0: not said)

  explicit operator bool() const { return node != nullptr; }
};


}  // namespace potluck::coordinator
