#pragma once
// The nodes online now, and the models (and exec languages) they serve.
// Routing for now: among the nodes that serve the model (run the language), are not draining and have a free slot, the one
// with the fewest jobs in flight (ties broken at random).
#include "coordinator/node_link.h"

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace potluck::coordinator {

class Registry {
 public:
  // Adds the node; a node id already online is replaced (returns the old link).
  std::shared_ptr<NodeLink> add(std::shared_ptr<NodeLink> link);
  void remove(const NodeLink* link);

  // Null when no node can take the job now.
  NodeLink* pick(const std::string& model, const std::set<std::string>& exclude);
  // The same for an exec job in `language`.
  NodeLink* pick_exec(const std::string& language, const std::set<std::string>& exclude);

  // Served by a node online now (busy or not).
  bool online(const std::string& model) const;
  // Offered for exec by a node online now (busy or not).
  bool exec_online(const std::string& language) const;
  // Ever offered by a node (since start, or recorded in the store).
  bool known(const std::string& model) const { return known_models_.contains(model); }
  void remember(const std::string& model) { known_models_.insert(model); }

  struct ModelEntry {
    std::string id;
    std::string owned_by;
  };
  std::vector<ModelEntry> models() const;

  std::size_t size() const { return nodes_.size(); }
  int jobs_in_flight() const;
  std::vector<std::shared_ptr<NodeLink>> all() const;
  NodeLink* find(const std::string& node_id);

 private:
  // Least loaded node with a free slot, not draining, not excluded, that `can_take`.
  template <class CanTake>
  NodeLink* pick_least_loaded(const CanTake& can_take, const std::set<std::string>& exclude);

  std::map<std::string, std::shared_ptr<NodeLink>> nodes_;
  std::set<std::string> known_models_;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace potluck::coordinator
