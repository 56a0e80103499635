#pragma once
// The engine's models as the coordinator will take them. The coordinator
// refuses a hello or status whose model list breaks the rules of
// protocol/node_text.h (more than kMaxModels entries, an id that is empty,
// too long or not printable) and closes the link, so a node that passed its
// engine's list on unfiltered would lock itself out for good. The node drops
// what would be refused instead, and says so once per change of the list.
#include "node/backends/backend.h"

#include <cstddef>
#include <string_view>

namespace potluck::node {

struct SendableOffers {
  ModelList models;
  std::size_t listed = 0;           // what the engine listed
  std::size_t unsendable_ids = 0;   // dropped: an id the coordinator refuses
  std::size_t past_cap = 0;         // dropped: valid, but past the first kMaxModels
  std::size_t cleared_owners = 0;   // kept without an owned_by the coordinator would refuse
  bool cut() const { return unsendable_ids + past_cap + cleared_owners > 0; }
};

// The first kMaxModels offers with sendable ids, in the engine's order.
SendableOffers sendable_offers(ModelList listed);

// One warning with the counts when anything was dropped or cleared; never
// the ids, which may hold control characters.
void warn_if_cut(const SendableOffers& offers, std::string_view backend);

}  // namespace potluck::node
