#include "coordinator/api/users_handler.h"

#include "common/clock.h"
#include "common/log.h"
#include "coordinator/accounts.h"
#include "coordinator/api/account_json.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"
#include "crypto/secret_token.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr std::size_t kMaxEmailLength = 254;

bool visible(unsigned char c) { return c > ' ' && c != 0x7f; }

// Deliberately loose: one '@' with text on both sides, no spaces or controls.
std::expected<std::string, ApiError> read_email(const json::object& body) {
  auto email = read_text(body, "email", {true, kMaxEmailLength, visible, "visible characters"});
  if (!email) return email;
  const auto at = email->find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email->size() || email->find('@', at + 1) != std::string::npos)
    return std::unexpected(ApiError::bad_request("'email' is not an email address", "invalid_email"));
  return email;
}

json::object account_json(const NewAccount& account) {
  return {{"user", user_json(account.user)},
          {"key", json::object{{"id", account.key.id}, {"key", account.key.secret}, {"scopes", account.scopes}}},
          {"cluster", optional_text(account.cluster_id)}};
}

// What /api/me shows, read in one store call.
struct Me {
  store::User user;
  store::ApiKey key;
  std::vector<store::Membership> clusters;
};

store::Result<Me> read_me(store::Store& s, const Principal& caller) {
  auto user = s.find_user(caller.user_id);
  if (!user) return std::unexpected(user.error());
  auto key = s.find_api_key(caller.key_id);
  if (!key) return std::unexpected(key.error());
  auto clusters = s.clusters().memberships(caller.user_id);
  if (!clusters) return std::unexpected(clusters.error());
  return Me{std::move(*user), std::move(*key), std::move(*clusters)};
}

}  // namespace

net::awaitable<net::Response> UsersHandler::signup(net::Exchange& exchange) {
  auto body = read_object(exchange.request.body());
  if (!body) co_return net::make_error_response(body.error());
  auto code = read_text(*body, "invite", {true, 200});
  if (!code) co_return net::make_error_response(code.error());
  auto email = read_email(*body);
  if (!email) co_return net::make_error_response(email.error());
  auto parsed = crypto::parse_token(*code, crypto::kInviteCodePrefix);
  if (!parsed)
    co_return net::make_error_response(ApiError::bad_request("'invite' is not an invite code (pli_...)", "invalid_invite"));
  const store::InviteClaim claim{std::string(parsed->id), *code, unix_now_ms()};
  auto register_user = [&claim, &email](store::Store& s) { return sign_up(s, claim, *email); };
  auto account = co_await store_.call(register_user);
  if (!account) co_return store_error_response(account.error(), "invite code", 400);
  spdlog::info("user {} signed up with invite {}", account->user.id, claim.invite_id);
  co_return json_response(http::status::created, account_json(*account));
}

net::awaitable<net::Response> UsersHandler::create_user(const Principal& caller, const std::string& body_text) {
  auto body = read_object(body_text);
  if (!body) co_return net::make_error_response(body.error());
  auto email = read_email(*body);
  if (!email) co_return net::make_error_response(email.error());
  auto admin = read_flag(*body, "admin");
  if (!admin) co_return net::make_error_response(admin.error());
  const store::Role role = *admin ? store::Role::admin : store::Role::member;
  auto create = [&caller, &email, &role](store::Store& s) {
    return create_account(s, caller.user_id, *email, role, "first key");
  };
  auto account = co_await store_.call(create);
  if (!account) co_return store_error_response(account.error(), "user");
  spdlog::info("admin {} created user {} ({})", caller.user_id, account->user.id, to_string(role));
  co_return json_response(http::status::created, account_json(*account));
}

net::awaitable<net::Response> UsersHandler::list_users() {
  auto list = [](store::Store& s) { return s.list_users(); };
  auto users = co_await store_.call(list);
  if (!users) co_return store_error_response(users.error(), "user");
  co_return net::make_response(http::status::ok, list_json(*users, user_json));
}

net::awaitable<net::Response> UsersHandler::me(const Principal& caller) {
  auto read = [&caller](store::Store& s) { return read_me(s, caller); };
  auto found = co_await store_.call(read);
  if (!found) co_return store_error_response(found.error(), "user");
  json::array clusters;
  for (const auto& m : found->clusters) clusters.push_back(membership_json(m));
  co_return json_response(
      http::status::ok,
      {{"user", user_json(found->user)},
       {"key", json::object{{"id", found->key.id},
                            {"name", found->key.name},
                            {"scopes", found->key.scopes},
                            {"cluster", optional_text(found->key.cluster_id)}}},
       {"clusters", std::move(clusters)}});
}

}  // namespace potluck::coordinator::api
