#pragma once
// Who may speak for a node id. The node token is the credential, so a node id
// belongs to the owner of the token that first enrolled it: any token of that
// owner may bring it back (a provider who revoked a token and made a new one
// keeps their nodes, their trust and their record), no one else's may. A node
// enrolled with an ownerless (platform) token is bound to that token alone.
// upsert_node refuses a claim that breaks this, so it holds whether or not the
// node is online; the registry applies it again before replacing a live link.
#include <string_view>

namespace potluck::store {

struct NodeKeeper {
  std::string_view token_id;
  std::string_view owner_id;  // empty: a platform token
};

bool may_speak_for(const NodeKeeper& recorded, const NodeKeeper& claimant);

}  // namespace potluck::store
