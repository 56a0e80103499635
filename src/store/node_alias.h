#pragma once
// What a consumer is shown of the node that ran their job. A node id is the
// name its owner's token speaks for; other owners' consumers get the node's
// name and an alias instead: stable for one consumer (their jobs on one node
// group together), different for each consumer, and not the id.
#include <string>
#include <string_view>

namespace potluck::store {

// "alias_" + the first 12 hex digits of SHA-256(viewer id ":" node id).
std::string node_alias(std::string_view viewer_id, std::string_view node_id);

// The node id itself when the viewer owns the node, the alias otherwise
// (also when the node's record is gone and its owner unknown); empty for no
// node (a job that never ran).
std::string node_id_for(std::string_view viewer_id, std::string_view node_id, std::string_view node_owner_id);

}  // namespace potluck::store
