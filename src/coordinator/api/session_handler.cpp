#include "coordinator/api/session_handler.h"

#include "common/strings.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"
#include "net/cookies.h"

#include <boost/json.hpp>

#include <chrono>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

bool is_json(const net::Request& request) {
  auto it = request.find(http::field::content_type);
  return it != request.end() && to_lower(it->value()).starts_with("application/json");
}

}  // namespace

net::awaitable<net::Response> SessionHandler::sign_in(const net::Request& request) {
  // A cross-site form cannot send JSON without the browser asking first
  // (CORS), so another site cannot sign a visitor in under its own key.
  if (!is_json(request))
    co_return net::make_error_response({415, "invalid_request_error", "unsupported_media_type",
                                        "send the key as JSON (Content-Type: application/json)"});
  auto object = read_object(request.body());
  if (!object) co_return net::make_error_response(object.error());
  auto key = read_text(*object, "key", {.required = true, .max_length = 200});
  if (!key) co_return net::make_error_response(key.error());
  auto principal = co_await auth_.authenticate_key(*key);
  if (!principal) {
    // One message for unknown, wrong and revoked keys alike; 429 and 500 as they are.
    if (principal.error().status == 401) co_return net::make_error_response(ApiError::unauthorized("invalid API key"));
    co_return net::make_error_response(principal.error());
  }
  const auto session = auth_.sessions().create(principal->key_id, principal->user_id);
  auto answer = co_await session_answer(*principal, session.csrf_token, session.expires_ms);
  if (answer.result() == http::status::ok) {
    const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(auth_.sessions().settings().ttl);
    answer.set(http::field::set_cookie, cookie(session.id, ttl.count()));
  } else {
    auth_.sessions().remove(session.id);
  }
  co_return answer;
}

net::awaitable<net::Response> SessionHandler::current(const net::Request& request) {
  auto caller = co_await auth_.authenticate_session(request);
  if (!caller) co_return net::make_error_response(caller.error());
  const auto cookie_value = net::cookie_value(request, kSessionCookie);
  const auto session = auth_.sessions().find(cookie_value.value_or(""));
  const std::int64_t expires_ms = session ? session->expires_ms : 0;
  co_return co_await session_answer(caller->principal, caller->csrf_token, expires_ms);
}

net::awaitable<net::Response> SessionHandler::sign_out(const net::Request& request) {
  auto caller = co_await auth_.authenticate_session(request);
  if (!caller) co_return net::make_error_response(caller.error());
  if (const auto value = net::cookie_value(request, kSessionCookie)) auth_.sessions().remove(*value);
  auto answer = net::make_response(http::status::no_content, "");
  answer.set(http::field::set_cookie, cookie("", 0));
  co_return answer;
}

net::awaitable<net::Response> SessionHandler::session_answer(const Principal& principal,
                                                             const std::string& csrf_token,
                                                             std::int64_t expires_ms) {
  auto find = [&principal](store::Store& s) { return s.find_user(principal.user_id); };
  auto user = co_await store_.call(find);
  if (!user) co_return store_error_response(user.error(), "user");
  json::object body{{"user", {{"id", user->id}, {"email", user->email}, {"role", to_string(user->role)}}},
                    {"key_id", principal.key_id},
                    {"scopes", principal.scopes},
                    {"csrf_token", csrf_token},
                    {"expires_at", expires_ms / 1000}};
  auto answer = json_response(http::status::ok, body);
  answer.set(http::field::cache_control, "no-store");
  co_return answer;
}

// HttpOnly: page scripts cannot read it. SameSite=Strict: other sites'
// requests do not carry it. Secure when TLS ends at a proxy in front.
std::string SessionHandler::cookie(std::string_view value, std::int64_t max_age_s) const {
  // Appended piece by piece: g++ 12 warns falsely (-Warray-bounds) on a chain of +.
  std::string text(kSessionCookie);
  text.append("=").append(value).append("; Path=/; HttpOnly; SameSite=Strict; Max-Age=");
  text.append(std::to_string(max_age_s));
  if (secure_cookies_) text.append("; Secure");
  return text;
}

}  // namespace potluck::coordinator::api
