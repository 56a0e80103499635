#pragma once
// How accounts, clusters, invites and tokens look in /api responses. Times
// are Unix seconds (null when unset). Secrets and digests never appear here:
// a new secret is added by the handler that minted it, once.
#include "store/store.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace potluck::coordinator::api {

// Unix seconds from milliseconds; null for 0 (never / not set).
boost::json::value optional_time(std::int64_t ms);
// A string, or null when empty.
boost::json::value optional_text(const std::string& text);

boost::json::object user_json(const store::User& user);
boost::json::object membership_json(const store::Membership& membership);
boost::json::object member_json(const store::Member& member);
boost::json::object cluster_json(const store::Cluster& cluster);
// With "state": active, expired, used_up or revoked as of `now_ms`.
boost::json::object invite_json(const store::Invite& invite, std::int64_t now_ms);
boost::json::object node_token_json(const store::NodeToken& token);

// {"object":"list","data":[...]} of the items rendered by `render`.
template <class T, class Render>
std::string list_json(const std::vector<T>& items, Render render);

}  // namespace potluck::coordinator::api

#include <boost/json/serialize.hpp>

template <class T, class Render>
std::string potluck::coordinator::api::list_json(const std::vector<T>& items, Render render) {
  boost::json::array data;
  for (const auto& item : items) data.push_back(render(item));
  return boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}});
}
