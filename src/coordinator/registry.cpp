#include "coordinator/registry.h"

#include <algorithm>

namespace potluck::coordinator {

int trust_rank(std::string_view trust) { return trust == "verified" ? 1 : 0; }

std::shared_ptr<NodeLink> Registry::add(std::shared_ptr<NodeLink> link) {
  if (link->cluster_id().empty())
    for (const auto& m : link->models()) known_models_.insert(m.id);
  auto& slot = nodes_[link->id()];
  return std::exchange(slot, std::move(link));
}

void Registry::remove(const NodeLink* link) {
  auto it = nodes_.find(link->id());
  if (it != nodes_.end() && it->second.get() == link) nodes_.erase(it);
}

Registry::Fit Registry::fit(NodeLink& node, const Placement& placement) const {
  // A cluster's nodes serve only that cluster; public nodes only the pool.
  if (node.draining() || node.cluster_id() != placement.cluster_id) return {};
  if (!placement.language.empty())
    return node.runs(placement.language) ? Fit{&node, nullptr, {}, pricing_.clamp_exec(node.hello().exec_price)}
                                         : Fit{};
  const auto& tier = placement.tier;
  if (tier && trust_rank(node.trust()) < trust_rank(tier->min_trust)) return {};
  for (const auto& offer : node.models()) {
    const protocol::Price price = pricing_.clamp(offer.price);
    if (!tier) {
      if (offer.id == placement.model) return {&node, &offer, price};
      continue;
    }
    const bool listed = std::find(tier->models.begin(), tier->models.end(), offer.id) != tier->models.end();
    if (listed && price.input <= tier->max_price_in && price.output <= tier->max_price_out)
      return {&node, &offer, price};
  }
  return {};
}

namespace {
// Lower is better: the share of the node's slots in use once it takes the
// job, weighed by how badly it has been doing.
double score(const NodeLink& node, std::chrono::steady_clock::time_point now) {
  return (node.in_flight() + 1.0) / std::max(1, node.hello().max_jobs) * node.health().penalty(now);
}
}  // namespace

Candidate Registry::pick(const Placement& placement, const std::set<std::string>& exclude) {
  const auto now = std::chrono::steady_clock::now();
  // Parked nodes are passed over while others can serve; when every node
  // that fits is parked, they serve anyway ("panic mode", as in Envoy's
  // outlier detection): a struggling pool beats no pool.
  for (const bool panic : {false, true}) {
    scratch_.clear();
    for (auto& [id, link] : nodes_) {
      if (!link->has_free_slot() || exclude.contains(id)) continue;
      if (!panic && !link->health().admits(now)) continue;
      if (const Fit found = fit(*link, placement)) scratch_.push_back(found);
    }
    if (!scratch_.empty()) break;
  }
  if (scratch_.empty()) return {};
  const auto n = scratch_.size();
  if (n == 1) return scratch_.front().candidate();
  const auto i = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  auto j = std::uniform_int_distribution<std::size_t>(0, n - 2)(rng_);
  if (j >= i) ++j;
  const Fit& a = scratch_[i];
  const Fit& b = scratch_[j];
  return (score(*a.node, now) <= score(*b.node, now) ? a : b).candidate();
}

bool Registry::online(const Placement& placement) const {
  return std::any_of(nodes_.begin(), nodes_.end(),
                     [&](const auto& entry) { return static_cast<bool>(fit(*entry.second, placement)); });
}

std::vector<Registry::Fit> Registry::fits(const Placement& placement) const {
  std::vector<Fit> out;
  for (const auto& [id, link] : nodes_)
    if (const Fit found = fit(*link, placement)) out.push_back(found);
  return out;
}

protocol::Price Registry::max_price(const Placement& placement) const {
  protocol::Price highest;
  for (const Fit& found : fits(placement)) {
    highest.input = std::max(highest.input, found.price.input);
    highest.output = std::max(highest.output, found.price.output);
  }
  return highest;
}

std::int64_t Registry::max_cpu_price(const Placement& placement) const {
  std::int64_t highest = 0;
  for (const Fit& found : fits(placement)) highest = std::max(highest, found.cpu_price);
  return highest;
}

std::vector<Registry::ModelEntry> Registry::models(
    const std::function<bool(std::string_view cluster_id)>& visible) const {
  std::map<std::string, std::string> seen;
  for (const auto& [id, link] : nodes_) {
    if (link->draining()) continue;
    if (!link->cluster_id().empty() && !visible(link->cluster_id())) continue;
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
