#include "store/node_alias.h"

#include "crypto/sha256.h"

namespace potluck::store {

std::string node_alias(std::string_view viewer_id, std::string_view node_id) {
  std::string keyed;
  keyed.reserve(viewer_id.size() + 1 + node_id.size());
  keyed.append(viewer_id).append(":").append(node_id);
  return "alias_" + crypto::sha256_hex(keyed).substr(0, 12);
}

std::string node_id_for(std::string_view viewer_id, std::string_view node_id, std::string_view node_owner_id) {
  if (node_id.empty()) return {};
  if (!viewer_id.empty() && viewer_id == node_owner_id) return std::string(node_id);
  return node_alias(viewer_id, node_id);
}

}  // namespace potluck::store
