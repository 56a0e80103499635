#include "store/node_claim.h"

namespace potluck::store {

bool may_speak_for(const NodeKeeper& recorded, const NodeKeeper& claimant) {
  if (recorded.token_id == claimant.token_id) return true;
  return !recorded.owner_id.empty() && recorded.owner_id == claimant.owner_id;
}

}  // namespace potluck::store
