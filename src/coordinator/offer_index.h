#pragma once
// The online nodes by what they offer: for each scope (a cluster's id, or ""
// for the public pool), the nodes serving each model id and the nodes running
// each exec language. The scheduler draws its candidates from one of these
// lists instead of scanning every node, so a pick costs the same with ten
// nodes online as with ten thousand. Kept up to date by the Registry on
// connect, disconnect and model updates; holds no ownership.
#include <string>
#include <unordered_map>
#include <vector>

namespace potluck::coordinator {

class NodeLink;

class OfferIndex {
 public:
  using Nodes = std::vector<NodeLink*>;

  // Indexes the node under what it offers now; remove() before its offers change.
  void add(NodeLink& node);
  void remove(const NodeLink& node);

  // The nodes of the scope that serve `model` / run `language` (empty if none).
  const Nodes& serving(const std::string& cluster_id, const std::string& model) const;
  const Nodes& running(const std::string& cluster_id, const std::string& language) const;

 private:
  using Lists = std::unordered_map<std::string, Nodes>;  // model or language -> nodes
  struct Scope {
    Lists models;
    Lists languages;
  };
  static const Nodes& find(const std::unordered_map<std::string, Scope>& scopes, const std::string& cluster_id,
                           Lists Scope::*lists, const std::string& name);
  static void erase(Lists& lists, const std::string& name, const NodeLink& node);

  std::unordered_map<std::string, Scope> scopes_;  // cluster id ("" = public pool) -> scope
};

}  // namespace potluck::coordinator
