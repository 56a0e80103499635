#include "coordinator/api/account_json.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

std::string_view invite_state(const store::Invite& invite, std::int64_t now_ms) {
  if (invite.revoked_at) return "revoked";
  if (invite.expires_at <= now_ms) return "expired";
  if (invite.uses >= invite.max_uses) return "used_up";
  return "active";
}

}  // namespace

json::value optional_time(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return ms / 1000;
}

json::value optional_text(const std::string& text) {
  if (text.empty()) return nullptr;
  return json::string(text);
}

json::object user_json(const store::User& user) {
  return {{"id", user.id},
          {"email", user.email},
          {"role", to_string(user.role)},
          {"created_at", user.created_at / 1000},
          {"deleted_at", optional_time(user.deleted_at)}};
}

json::object membership_json(const store::Membership& membership) {
  return {{"id", membership.cluster_id}, {"name", membership.cluster_name}, {"role", to_string(membership.role)}};
}

json::object member_json(const store::Member& member) {
  return {{"user_id", member.user_id}, {"role", to_string(member.role)}, {"joined_at", member.joined_at / 1000}};
}

json::object cluster_json(const store::Cluster& cluster) {
  return {{"id", cluster.id},
          {"name", cluster.name},
          {"owner_id", cluster.owner_id},
          {"created_at", cluster.created_at / 1000}};
}

json::object invite_json(const store::Invite& invite, std::int64_t now_ms) {
  return {{"id", invite.id},
          {"cluster", optional_text(invite.cluster_id)},
          {"created_by", invite.created_by},
          {"created_at", invite.created_at / 1000},
          {"expires_at", invite.expires_at / 1000},
          {"max_uses", invite.max_uses},
          {"uses", invite.uses},
          {"revoked_at", optional_time(invite.revoked_at)},
          {"state", invite_state(invite, now_ms)}};
}

json::object node_token_json(const store::NodeToken& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"cluster", optional_text(token.cluster_id)},
          {"created_at", token.created_at / 1000},
          {"revoked_at", optional_time(token.revoked_at)}};
}

}  // namespace potluck::coordinator::api
