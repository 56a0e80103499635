#include "coordinator/registry.h"

namespace potluck::coordinator {

std::shared_ptr<NodeLink> Registry::add(std::shared_ptr<NodeLink> link) {
  for (const auto& m : link->models()) known_models_.insert(m.id);
  auto& slot = nodes_[link->id()];
  return std::exchange(slot, std::move(link));
}

void Registry::remove(const NodeLink* link) {
  auto it = nodes_.find(link->id());
  if (it != nodes_.end() && it->second.get() == link) nodes_.erase(it);
}

NodeLink* Registry::pick(const std::string& model, const std::set<std::string>& exclude) {
  return pick_least_loaded([&model](const NodeLink& link) { return link.serves(model); }, exclude);
}

NodeLink* Registry::pick_exec(const std::string& language, const std::set<std::string>& exclude) {
  return pick_least_loaded([&language](const NodeLink& link) { return link.runs(language); }, exclude);
}

template <class CanTake>
NodeLink* Registry::pick_least_loaded(const CanTake& can_take, const std::set<std::string>& exclude) {
  NodeLink* best = nullptr;
  int best_load = 0;
  int ties = 0;
  for (auto& [id, link] : nodes_) {
    if (!can_take(*link) || link->draining() || !link->has_free_slot() || exclude.contains(id))
      continue;
    int load = link->in_flight();
    if (!best || load < best_load) {
      best = link.get();
      best_load = load;
      ties = 1;
    } else if (load == best_load && std::uniform_int_distribution<int>(0, ties++)(rng_) == 0) {
      best = link.get();  // reservoir sampling keeps ties fair
    }
  }
  return best;
}

bool Registry::online(const std::string& model) const {
  for (const auto& [id, link] : nodes_)
    if (link->serves(model) && !link->draining()) return true;
  return false;
}

bool Registry::exec_online(const std::string& language) const {
  for (const auto& [id, link] : nodes_)
    if (link->runs(language) && !link->draining()) return true;
  return false;
}

std::vector<Registry::ModelEntry> Registry::models() const {
  std::map<std::string, std::string> seen;
  for (const auto& [id, link] : nodes_) {
    if (link->draining()) continue;
    for (const auto& m : link->models())
      seen.emplace(m.id, m.owned_by.empty() ? "potluck" : m.owned_by);
  }
  std::vector<ModelEntry> out;
  for (auto& [id, owner] : seen) out.push_back({id, owner});
  return out;
}

int Registry::jobs_in_flight() const {
  int total = 0;
  for (const auto& [id, link] : nodes_) total += link->in_flight();
  return total;
}

std::vector<std::shared_ptr<NodeLink>> Registry::all() const {
  std::vector<std::shared_ptr<NodeLink>> out;
  for (const auto& [id, link] : nodes_) out.push_back(link);
  return out;
}

NodeLink* Registry::find(const std::string& node_id) {
  auto it = nodes_.find(node_id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

}  // namespace potluck::coordinator
