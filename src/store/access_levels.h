#pragma once
// Who may do what: a user's role, a cluster member's role, a node's trust level and an API key's
// scopes. The API and the database carry the text of these values
// (to_string); these functions are the one place that spells them.
#include <optional>
#include <span>
#include <string_view>

namespace potluck::store {

// A user's role on the coordinator.
enum class Role { admin, member };
std::string_view to_string(Role role);
std::optional<Role> role_from(std::string_view text);

// A member's place in a private cluster (the member who created it owns it).
// Text this version does not know reads as member, the lesser.
enum class ClusterRole { owner, member };
std::string_view to_string(ClusterRole role);
ClusterRole cluster_role_from(std::string_view text);

// How far the coordinator trusts a node, lowest first (a tier's minimum
// compares in this order).
enum class Trust { community, verified };
std::string_view to_string(Trust trust);
std::optional<Trust> trust_from(std::string_view text);

// What an API key may be used for. A key's scopes are stored as the texts
// of its scopes, space-separated, in this order. `account` manages the
// account itself: keys, node tokens, the export and deletion (a key made
// for a program, with inference or exec only, cannot take the account over).
enum class Scope { inference, exec, account, admin };
std::string_view to_string(Scope scope);
std::optional<Scope> scope_from(std::string_view text);
std::span<const Scope> all_scopes();
// Whether a stored scope list (space-separated texts) holds `scope`: whole
// words only, compared in place (this runs on every request).
bool list_has_scope(std::string_view scopes, Scope scope);

}  // namespace potluck::store
