#include "store/access_levels.h"

#include "common/enum_text.h"

namespace potluck::store {
namespace {

constexpr EnumText<Role, 2> kRoleText{{{{Role::admin, "admin"}, {Role::member, "member"}}}};
static_assert(covers(kRoleText, Role::member));

constexpr EnumText<ClusterRole, 2> kClusterRoleText{
    {{{ClusterRole::owner, "owner"}, {ClusterRole::member, "member"}}}};
static_assert(covers(kClusterRoleText, ClusterRole::member));

constexpr EnumText<Trust, 2> kTrustText{{{{Trust::community, "community"}, {Trust::verified, "verified"}}}};
static_assert(covers(kTrustText, Trust::verified));

constexpr EnumText<Scope, 4> kScopeText{
    {{{Scope::inference, "inference"}, {Scope::exec, "exec"}, {Scope::account, "account"}, {Scope::admin, "admin"}}}};
static_assert(covers(kScopeText, Scope::admin));

}  // namespace

std::string_view to_string(Role role) { return kRoleText.to_string(role); }
std::optional<Role> role_from(std::string_view text) { return kRoleText.from(text); }

std::string_view to_string(ClusterRole role) { return kClusterRoleText.to_string(role); }
ClusterRole cluster_role_from(std::string_view text) {
  return kClusterRoleText.from(text).value_or(ClusterRole::member);
}

std::string_view to_string(Trust trust) { return kTrustText.to_string(trust); }
std::optional<Trust> trust_from(std::string_view text) { return kTrustText.from(text); }

std::string_view to_string(Scope scope) { return kScopeText.to_string(scope); }
std::optional<Scope> scope_from(std::string_view text) { return kScopeText.from(text); }
std::span<const Scope> all_scopes() { return kScopeText.values(); }

bool list_has_scope(std::string_view scopes, Scope scope) {
  const std::string_view word = to_string(scope);
  std::string_view rest = scopes;
  while (!rest.empty()) {
    auto space = rest.find(' ');
    if (rest.substr(0, space) == word) return true;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace potluck::store
