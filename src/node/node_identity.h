#pragma once
// The node's stable identity: generated once, kept in the state directory, so
// the coordinator recognises the machine across restarts and reconnects.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace potluck::node {

inline constexpr std::string_view kNodeIdPrefix = "node_";

// "node_" followed by 20+ characters of [a-z0-9_-].
bool valid_node_id(std::string_view id);

// Reads <state_dir>/node_id, or creates it (mode 0600, directory 0700 when
// created) with a fresh random id. Fails with a message naming the path.
std::expected<std::string, std::string> load_or_create_node_id(const std::filesystem::path& state_dir);

// $XDG_STATE_HOME/potluck/node, else ~/.local/state/potluck/node, else ./.potluck-node.
std::filesystem::path default_state_dir();

}  // namespace potluck::node
