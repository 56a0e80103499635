#include "coordinator/registry.h"

#include "store/node_claim.h"

#include <algorithm>

namespace potluck::coordinator {

namespace {
// How often the known-model map is swept for models past their TTL.
constexpr std::int64_t kForgetEveryMs = 3'600'000;
}  // namespace

bool Registry::known(const std::string& model) const {
  if (!offers_.serving("", model).empty()) return true;  // offered now, draining or busy
  auto it = last_offered_ms_.find(model);
  return it != last_offered_ms_.end() && clock_.unix_ms() - it->second < known_model_ttl_.count();
}

void Registry::remember(const std::string& model, std::int64_t offered_at_ms) {
  auto& last = last_offered_ms_[model];
  last = std::max(last, offered_at_ms);
}

void Registry::remember_offers(const NodeLink& link) {
  if (!link.cluster_id().empty()) return;  // private models are no one else's business
  const std::int64_t now = clock_.unix_ms();
  for (const auto& m : link.models()) remember(m.id, now);
  forget_stale(now);
}

void Registry::forget_stale(std::int64_t now_ms) {
  if (now_ms - last_forget_ms_ < kForgetEveryMs) return;
  last_forget_ms_ = now_ms;
  std::erase_if(last_offered_ms_, [&](const auto& entry) {
    return now_ms - entry.second >= known_model_ttl_.count() && offers_.serving("", entry.first).empty();
  });
}

std::expected<std::shared_ptr<NodeLink>, Registry::NodeIdTaken> Registry::add(std::shared_ptr<NodeLink> link) {
  auto& slot = nodes_[link->id()];
  if (slot && !store::may_speak_for({slot->token_id(), slot->owner_id()}, {link->token_id(), link->owner_id()}))
    return std::unexpected(NodeIdTaken{});
  remember_offers(*link);
  if (slot) {
    remember_offers(*slot);
    offers_.remove(*slot);
  }
  offers_.add(*link);
  return std::exchange(slot, std::move(link));
}

void Registry::remove(const NodeLink* link) {
  auto it = nodes_.find(link->id());
  if (it == nodes_.end() || it->second.get() != link) return;  // already replaced
  remember_offers(*link);
  offers_.remove(*link);
  nodes_.erase(it);
}

void Registry::set_models(NodeLink& link, std::vector<protocol::ModelOffer> models) {
  // A link replaced by a newer connection of the same node is no longer indexed.
  const bool indexed = find(link.id()) == &link;
  if (indexed) offers_.remove(link);
  remember_offers(link);  // the offers it stops making were made until now
  link.set_models(std::move(models));
  remember_offers(link);
  if (indexed) offers_.add(link);
}

Registry::Fit Registry::fit(NodeLink& node, const Placement& placement) const {
  // A cluster's nodes serve only that cluster; public nodes only the pool.
  if (node.draining() || node.suspended() || node.cluster_id() != placement.cluster_id) return {};
  if (!placement.language.empty())
    return node.runs(placement.language) ? Fit{&node, nullptr, {}, pricing_.clamp_exec(node.hello().exec_price)}
                                         : Fit{};
  const auto& tier = placement.tier;
  if (tier && node.trust() < tier->min_trust) return {};  // Trust lists the levels lowest first
  for (const auto& offer : node.models()) {
    if ((placement.embeddings && !offer.embeddings) || (placement.responses && !offer.responses)) continue;
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

// Lists shorter than this (all together) are scanned: as cheap as drawing.
constexpr std::size_t kScanBelow = 8;
// Draws before sample_two gives up and scan() decides. Two hits are expected
// within 2/f draws when a share f of the listed nodes can take the job.
constexpr int kDraws = 16;
}  // namespace

Registry::Fit Registry::available(NodeLink& node, const Placement& placement, const std::set<std::string>& exclude,
                                  std::chrono::steady_clock::time_point now, bool panic) const {
  if (!node.has_free_slot() || exclude.contains(node.id())) return {};
  if (!panic && !node.health().admits(now)) return {};
  return fit(node, placement);
}

const std::vector<const OfferIndex::Nodes*>& Registry::lists_for(const Placement& placement) const {
  lists_.clear();
  if (!placement.language.empty())
    lists_.push_back(&offers_.running(placement.cluster_id, placement.language));
  else if (!placement.tier)
    lists_.push_back(&offers_.serving(placement.cluster_id, placement.model));
  else
    for (const auto& model : placement.tier->models) lists_.push_back(&offers_.serving(placement.cluster_id, model));
  return lists_;
}

// Of two nodes that can both serve, the cheaper one for the consumer, when
// both are in good standing (neither parked): a node cannot draw the work to
// itself by declaring a large capacity at the highest price. At the same
// asking price, or when the pool is struggling, the lower score.
const Registry::Fit& Registry::better(const Fit& a, const Fit& b, std::chrono::steady_clock::time_point now) const {
  const auto asking = [](const Fit& f) { return f.price.input + f.price.output + f.cpu_price; };
  if (asking(a) != asking(b) && a.node->health().admits(now) && b.node->health().admits(now))
    return asking(a) < asking(b) ? a : b;
  return score(*a.node, now) <= score(*b.node, now) ? a : b;
}

Candidate Registry::pick(const Placement& placement, const std::set<std::string>& exclude) {
  const auto now = std::chrono::steady_clock::now();
  const auto& lists = lists_for(placement);
  if (auto sampled = sample_two(lists, placement, exclude, now)) return *sampled;
  return scan(lists, placement, exclude, now);
}

std::optional<Candidate> Registry::sample_two(const Lists& lists, const Placement& placement,
                                              const std::set<std::string>& exclude,
                                              std::chrono::steady_clock::time_point now) {
  std::size_t total = 0;
  for (const auto* list : lists) total += list->size();
  if (total < kScanBelow) return std::nullopt;
  std::uniform_int_distribution<std::size_t> draw_index(0, total - 1);
  Fit first;
  for (int draw = 0; draw < kDraws; ++draw) {
    // A tier's lists one after another (a node offering two of its models is
    // in two of them, so twice as likely to be drawn).
    std::size_t i = draw_index(rng_);
    auto list = lists.begin();
    for (; i >= (*list)->size(); ++list) i -= (*list)->size();
    NodeLink* node = (**list)[i];
    if (node == first.node) continue;
    const Fit found = available(*node, placement, exclude, now, false);
    if (!found) continue;
    if (!first) {
      first = found;
      continue;
    }
    return better(first, found, now).candidate();
  }
  return std::nullopt;
}

Candidate Registry::scan(const Lists& lists, const Placement& placement, const std::set<std::string>& exclude,
                         std::chrono::steady_clock::time_point now) {
  // Parked nodes are passed over while others can serve; when every node
  // that fits is parked, they serve anyway ("panic mode", as in Envoy's
  // outlier detection): a struggling pool beats no pool.
  for (const bool panic : {false, true}) {
    scratch_.clear();
    for (const auto* list : lists)
      for (NodeLink* node : *list)
        if (const Fit found = available(*node, placement, exclude, now, panic)) scratch_.push_back(found);
    if (!scratch_.empty()) break;
  }
  if (lists.size() > 1) {  // a tier: a node in two of its lists counts once
    std::ranges::sort(scratch_, {}, &Fit::node);
    scratch_.erase(std::ranges::unique(scratch_, {}, &Fit::node).begin(), scratch_.end());
  }
  if (scratch_.empty()) return {};
  const auto n = scratch_.size();
  if (n == 1) return scratch_.front().candidate();
  const auto i = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  auto j = std::uniform_int_distribution<std::size_t>(0, n - 2)(rng_);
  if (j >= i) ++j;
  return better(scratch_[i], scratch_[j], now).candidate();
}

// From the index: a tier's lists may name a node twice (it offers two of the
// tier's models), which is harmless to what the callers ask.
template <class Visit>
bool Registry::find_fit(const Placement& placement, Visit&& visit) const {
  for (const auto* list : lists_for(placement))
    for (NodeLink* node : *list)
      if (const Fit found = fit(*node, placement); found && visit(found)) return true;
  return false;
}

bool Registry::online(const Placement& placement) const {
  return find_fit(placement, [](const Fit&) { return true; });
}

std::optional<protocol::Price> Registry::max_price(const Placement& placement) const {
  std::optional<protocol::Price> highest;
  find_fit(placement, [&highest](const Fit& found) {
    if (!highest) highest = found.price;
    highest->input = std::max(highest->input, found.price.input);
    highest->output = std::max(highest->output, found.price.output);
    return false;
  });
  return highest;
}

std::optional<std::int64_t> Registry::max_cpu_price(const Placement& placement) const {
  std::optional<std::int64_t> highest;
  find_fit(placement, [&highest](const Fit& found) {
    highest = std::max(highest.value_or(0), found.cpu_price);
    return false;
  });
  return highest;
}

void Registry::note_first_seen(const std::string& cluster_id, const std::string& model, std::int64_t seen_at_ms) {
  auto key = std::make_pair(cluster_id, model);
  if (auto it = first_seen_ms_.find(key); it != first_seen_ms_.end()) {
    it->second = std::min(it->second, seen_at_ms);
    return;
  }
  if (first_seen_ms_.size() < static_cast<std::size_t>(store::kMaxModelsFirstSeen))
    first_seen_ms_.emplace(std::move(key), seen_at_ms);
}

std::vector<Registry::ModelEntry> Registry::models(
    const std::function<bool(std::string_view cluster_id)>& visible) const {
  std::map<std::pair<std::string, std::string>, ModelEntry> seen;
  for (const auto& [id, link] : nodes_) {
    if (link->draining()) continue;
    if (!link->cluster_id().empty() && !visible(link->cluster_id())) continue;
    for (const auto& m : link->models()) {
      auto& entry = seen[{link->cluster_id(), m.id}];
      if (entry.nodes_online++ == 0) {
        entry.id = m.id;
        entry.cluster_id = link->cluster_id();
      }
      if (m.context > 0) entry.context = entry.context == 0 ? m.context : std::min(entry.context, m.context);
      const protocol::Price price = pricing_.clamp(m.price);
      entry.price.input = std::max(entry.price.input, price.input);
      entry.price.output = std::max(entry.price.output, price.output);
    }
  }
  const std::int64_t now = clock_.unix_ms();
  std::vector<ModelEntry> out;
  for (auto& [key, entry] : seen) {
    auto first = first_seen_ms_.find(key);
    entry.first_seen_ms = first == first_seen_ms_.end() ? now : first->second;
    out.push_back(std::move(entry));
  }
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
