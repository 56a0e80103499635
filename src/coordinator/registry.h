#pragma once
// The nodes online now, and the models they serve. Routing for now: among the
// nodes that serve the model, are not draining and have a free slot, the one
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

  // Served by a node online now (busy or not).
  bool online(const std::string& model) const;
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
  std::map<std::string, std::shared_ptr<NodeLink>> nodes_;
  std::set<std::string> known_models_;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace potluck::coordinator
