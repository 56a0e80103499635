#include "coordinator/offer_index.h"

#include "coordinator/node_link.h"

#include <algorithm>

namespace potluck::coordinator {

namespace {
// Appends the node once: an offer listed twice in a hello does not make the
// node twice as likely to be drawn. During one add() nothing else appends to
// the list, so an earlier append of this node is the list's last element.
void append_once(OfferIndex::Nodes& nodes, NodeLink& node) {
  if (nodes.empty() || nodes.back() != &node) nodes.push_back(&node);
}
}  // namespace

void OfferIndex::add(NodeLink& node) {
  auto& scope = scopes_[node.cluster_id()];
  for (const auto& offer : node.models()) append_once(scope.models[offer.id], node);
  for (const auto& language : node.hello().exec_languages) append_once(scope.languages[language], node);
}

void OfferIndex::remove(const NodeLink& node) {
  auto it = scopes_.find(node.cluster_id());
  if (it == scopes_.end()) return;
  auto& scope = it->second;
  for (const auto& offer : node.models()) erase(scope.models, offer.id, node);
  for (const auto& language : node.hello().exec_languages) erase(scope.languages, language, node);
  if (scope.models.empty() && scope.languages.empty()) scopes_.erase(it);
}

void OfferIndex::erase(Lists& lists, const std::string& name, const NodeLink& node) {
  auto it = lists.find(name);
  if (it == lists.end()) return;
  // Order carries no meaning (draws are random): swap with the last, pop.
  auto& nodes = it->second;
  auto found = std::find(nodes.begin(), nodes.end(), &node);
  if (found != nodes.end()) {
    *found = nodes.back();
    nodes.pop_back();
  }
  if (nodes.empty()) lists.erase(it);
}

const OfferIndex::Nodes& OfferIndex::find(const std::unordered_map<std::string, Scope>& scopes,
                                          const std::string& cluster_id, Lists Scope::*lists,
                                          const std::string& name) {
  static const Nodes none;
  auto scope = scopes.find(cluster_id);
  if (scope == scopes.end()) return none;
  const Lists& named = scope->second.*lists;
  auto it = named.find(name);
  return it == named.end() ? none : it->second;
}

const OfferIndex::Nodes& OfferIndex::serving(const std::string& cluster_id, const std::string& model) const {
  return find(scopes_, cluster_id, &Scope::models, model);
}

const OfferIndex::Nodes& OfferIndex::running(const std::string& cluster_id, const std::string& language) const {
  return find(scopes_, cluster_id, &Scope::languages, language);
}

}  // namespace potluck::coordinator
