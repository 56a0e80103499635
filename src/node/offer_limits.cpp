#include "node/offer_limits.h"

#include "common/log.h"
#include "protocol/node_text.h"

namespace potluck::node {

SendableOffers sendable_offers(ModelList listed) {
  SendableOffers out;
  out.listed = listed.size();
  for (auto& offer : listed) {
    if (offer.id.empty() || protocol::printable_text_fault(offer.id, protocol::kMaxModelIdBytes)) {
      ++out.unsendable_ids;
      continue;
    }
    if (out.models.size() == protocol::kMaxModels) {
      ++out.past_cap;
      continue;
    }
    // The owner is a detail: the offer is worth more than its label.
    if (protocol::printable_text_fault(offer.owned_by, protocol::kMaxOwnedByBytes)) {
      offer.owned_by.clear();
      ++out.cleared_owners;
    }
    out.models.push_back(std::move(offer));
  }
  return out;
}

void warn_if_cut(const SendableOffers& offers, std::string_view backend) {
  if (!offers.cut()) return;
  spdlog::warn(
      "the {} backend lists {} models; offering {}: {} dropped for an id the coordinator refuses (empty, over {} "
      "bytes or not printable UTF-8), {} dropped past the first {}, {} offered without their owned_by (over {} "
      "bytes or not printable)",
      backend, offers.listed, offers.models.size(), offers.unsendable_ids, protocol::kMaxModelIdBytes,
      offers.past_cap, protocol::kMaxModels, offers.cleared_owners, protocol::kMaxOwnedByBytes);
}

}  // namespace potluck::node
