#pragma once
// The nodes online now and what they offer. Routing: among the nodes that fit
// the job's placement (its cluster or the public pool, its model or tier),
// are not draining, not parked and have a free slot, the power of two random
// choices: of two picked at random, the one with the lower load weighted by
// its health. The two are drawn from the OfferIndex's list for the placement,
// not found by a scan of every node.
#include "common/clock.h"
#include "coordinator/node_link.h"
#include "coordinator/offer_index.h"
#include "coordinator/placement.h"
#include "coordinator/pricing.h"

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace potluck::coordinator {

class Registry {
 public:
  // A public model no node has offered for `known_model_ttl` is forgotten.
  Registry(const PricingPolicy& pricing, const Clock& clock,
           std::chrono::milliseconds known_model_ttl = std::chrono::hours(24))
      : pricing_(pricing), clock_(clock), known_model_ttl_(known_model_ttl) {}

  // A node id online under another owner's token (store/node_claim.h).
  struct NodeIdTaken {};
  // Adds the node; a node id already online is replaced (returns the old
  // link, null if there was none) when the new link may speak for it, and
  // refused otherwise, leaving the online node as it was.
  std::expected<std::shared_ptr<NodeLink>, NodeIdTaken> add(std::shared_ptr<NodeLink> link);
  void remove(const NodeLink* link);
  // The node's models changed (a status frame): re-indexes it.
  void set_models(NodeLink& link, std::vector<protocol::ModelOffer> models);

  // Empty when no node can take the job now.
  Candidate pick(const Placement& placement, const std::set<std::string>& exclude);

  // A node that fits is online now (busy or not).
  bool online(const Placement& placement) const;
  // The highest price among the nodes that fit, none when no node fits: what
  // a job's hold is based on.
  std::optional<protocol::Price> max_price(const Placement& placement) const;
  // The same for exec placements: per CPU second.
  std::optional<std::int64_t> max_cpu_price(const Placement& placement) const;

  // Offered by a public node now, or within the known-model TTL (since start,
  // or as the store's node records say): asking for it while no node serves
  // it is worth a 503 (try later); a model forgotten is a 404.
  bool known(const std::string& model) const;
  // A public node offered `model` at `offered_at_ms` (Unix ms).
  void remember(const std::string& model, std::int64_t offered_at_ms);
  std::size_t known_count() const { return last_offered_ms_.size(); }

  // A model was offered in a placement (cluster id, empty for the public
  // pool) at `seen_at_ms`: the earliest such time is its `created`. Fed from
  // the store at start and with each node record written, at the record's
  // time, so the store and this map agree. Bounded like the store's table.
  void note_first_seen(const std::string& cluster_id, const std::string& model, std::int64_t seen_at_ms);

  // One model in one placement, as the nodes not draining offer it now.
  struct ModelEntry {
    std::string id;
    std::string cluster_id;         // empty: the public pool
    int nodes_online = 0;
    std::int64_t context = 0;       // the smallest context a node reported; 0 = none did
    protocol::Price price;          // the highest price (after the admin's bounds): what a hold assumes
    std::int64_t first_seen_ms = 0;
  };
  // Models of the public pool and of the clusters for which `visible` is
  // true, ordered by placement then id.
  std::vector<ModelEntry> models(const std::function<bool(std::string_view cluster_id)>& visible) const;

  std::size_t size() const { return nodes_.size(); }
  int jobs_in_flight() const;
  std::vector<std::shared_ptr<NodeLink>> all() const;
  NodeLink* find(const std::string& node_id);

 private:
  // The offer the node would run for the placement (null for exec), and its
  // price. Pointers only: pick() gathers one per node, so no string copies.
  struct Fit {
    NodeLink* node = nullptr;
    const protocol::ModelOffer* offer = nullptr;
    protocol::Price price;
    std::int64_t cpu_price = 0;
    explicit operator bool() const { return node != nullptr; }
    Candidate candidate() const {
      return {node, offer ? offer->id : std::string(), price, cpu_price, offer ? 0 : node->hello().exec_max_processes};
    }
  };
  // Empty if the node does not fit.
  Fit fit(NodeLink& node, const Placement& placement) const;
  // Calls `visit(fit)` for every node that fits, busy or not, until it
  // returns true; returns whether one did. Allocates nothing: max_price runs
  // on every public-pool request.
  template <class Visit>
  bool find_fit(const Placement& placement, Visit&& visit) const;
  // Empty if the node fits but cannot take a job now (busy, excluded, or
  // parked outside panic mode).
  Fit available(NodeLink& node, const Placement& placement, const std::set<std::string>& exclude,
                std::chrono::steady_clock::time_point now, bool panic) const;

  using Lists = std::vector<const OfferIndex::Nodes*>;
  // The index's lists that hold every node that may fit the placement: one
  // for a model or a language, one per listed model for a tier.
  const Lists& lists_for(const Placement& placement) const;
  // Two distinct available nodes drawn at random from the lists; empty after
  // a few misses (most of the listed nodes busy or unfit), and then scan()
  // decides.
  std::optional<Candidate> sample_two(const Lists& lists, const Placement& placement,
                                      const std::set<std::string>& exclude, std::chrono::steady_clock::time_point now);
  // Every available node of the lists, then two of them at random: never
  // misses a free node, and serves parked ones when nothing else can.
  Candidate scan(const Lists& lists, const Placement& placement, const std::set<std::string>& exclude,
                 std::chrono::steady_clock::time_point now);
  const Fit& better(const Fit& a, const Fit& b, std::chrono::steady_clock::time_point now) const;
  // Stamps a public node's models as offered now: called whenever its offers
  // start or stop (connect, model change, disconnect), so a model stays
  // known for the TTL after the last node stops offering it.
  void remember_offers(const NodeLink& link);
  // Drops the models not offered within the TTL (at most once an hour).
  void forget_stale(std::int64_t now_ms);

  const PricingPolicy& pricing_;
  std::map<std::string, std::shared_ptr<NodeLink>> nodes_;
  OfferIndex offers_;
  const Clock& clock_;
  std::chrono::milliseconds known_model_ttl_;
  std::unordered_map<std::string, std::int64_t> last_offered_ms_;  // public model id -> Unix ms
  std::map<std::pair<std::string, std::string>, std::int64_t> first_seen_ms_;  // (cluster, model) -> Unix ms
  std::int64_t last_forget_ms_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
  mutable Lists lists_;        // reused by lists_for: no allocation per request
  std::vector<Fit> scratch_;  // reused by scan
};

}  // namespace potluck::coordinator
