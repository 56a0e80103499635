#include "coordinator/api/access.h"

#include "coordinator/api/api_responses.h"
#include "store/node_alias.h"

namespace potluck::coordinator::api {

bool may_see_node(const Principal& caller, const std::string& owner_id, const std::string& cluster_id) {
  return caller.is_admin() || owner_id == caller.user_id || (!cluster_id.empty() && caller.member_of(cluster_id));
}

std::string node_id_shown(const Principal& caller, const std::string& node_id, const std::string& owner_id) {
  if (caller.is_admin()) return node_id;
  return store::node_id_for(caller.user_id, node_id, owner_id);
}

std::expected<void, ApiError> require_admin(const Principal& caller) {
  if (caller.role != store::Role::admin) return std::unexpected(ApiError::forbidden("only admins may do this"));
  return require_scope(caller, store::Scope::admin);
}

std::expected<void, ApiError> require_scope(const Principal& caller, store::Scope scope) {
  if (caller.has_scope(scope)) return {};
  return std::unexpected(
      ApiError::forbidden("this API key lacks the '" + std::string(store::to_string(scope)) + "' scope"));
}

net::awaitable<std::expected<store::Membership, net::Response>> member_of(StoreExecutor& store,
                                                                          const std::string& cluster_id,
                                                                          const Principal& caller) {
  auto find = [&cluster_id, &caller](store::Store& s) { return s.clusters().membership(cluster_id, caller.user_id); };
  auto membership = co_await store.call(find);
  if (!membership) co_return std::unexpected(store_error_response(membership.error(), "cluster"));
  co_return std::move(*membership);
}

std::expected<void, ApiError> require_owner(const store::Membership& membership) {
  if (membership.role == store::ClusterRole::owner) return {};
  return std::unexpected(ApiError::forbidden("only the cluster's owner may do this"));
}

}  // namespace potluck::coordinator::api
