#pragma once
// The node's stable identity: generated once, kept in the state directory, so
// the coordinator recognises the machine across restarts and reconnects. The
// default name is random too: the host name identifies a device, which the
// privacy policy promises not to collect.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace potluck::node {

inline constexpr std::string_view kNodeIdPrefix = "node_";

// "node_" followed by 20+ characters of [a-z0-9_-].
bool valid_node_id(std::string_view id);

// 1 to 64 characters of [a-z0-9-], like "brave-otter-42".
bool valid_node_name(std::string_view name);
// A fresh readable name: adjective-animal-number.
std::string random_node_name();

struct NodeIdentity {
  std::string id;    // <state_dir>/node_id
  std::string name;  // <state_dir>/node_name: the default for --name
};

// Reads <state_dir>/node_id and node_name, or creates them (mode 0600,
// directory 0700 when created) with a fresh random id and name. Fails with a
// message naming the path.
std::expected<NodeIdentity, std::string> load_or_create_node_identity(const std::filesystem::path& state_dir);

// $XDG_STATE_HOME/potluck/node, else ~/.local/state/potluck/node, else ./.potluck-node.
std::filesystem::path default_state_dir();

}  // namespace potluck::node
