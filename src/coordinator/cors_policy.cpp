#include "coordinator/cors_policy.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace potluck::coordinator {
namespace http = boost::beast::http;
namespace {

// What a browser may ask for on /v1 and read back. The exposed fields are
// the ones the SDKs read: retries honour Retry-After, clients show limits.
constexpr std::string_view kAllowedMethods = "GET, POST, DELETE, OPTIONS";
constexpr std::string_view kExposedFields =
    "Retry-After, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
    "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens";
constexpr std::string_view kMaxAgeSeconds = "600";
// A browser lists the headers it will send; the SDKs send a dozen or two.
constexpr std::size_t kMaxRequestHeadersBytes = 2048;

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// "scheme://host[:port]": what a browser sends as Origin.
bool is_origin(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  const std::string_view host = text.substr(scheme_end + 3);
  if (host.empty()) return false;
  const auto allowed = [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']'; };
  return std::all_of(text.begin(), text.begin() + scheme_end, [](unsigned char c) { return std::isalpha(c); }) &&
         std::all_of(host.begin(), host.end(), allowed);
}

// The request's list of header names, when every name is a plain token.
std::optional<std::string> requested_headers(std::string_view list) {
  if (list.size() > kMaxRequestHeadersBytes) return std::nullopt;
  const auto allowed = [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == ',' || c == ' '; };
  if (!std::all_of(list.begin(), list.end(), allowed)) return std::nullopt;
  return std::string(list);
}

}  // namespace

std::expected<CorsPolicy, std::string> CorsPolicy::parse(std::string_view list) {
  CorsPolicy policy;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") {
      policy.any_ = true;
    } else if (is_origin(entry)) {
      policy.origins_.emplace_back(entry);
    } else {
      return std::unexpected("not an origin (scheme://host[:port]) or '*': '" + std::string(entry.substr(0, 100)) + "'");
    }
  }
  return policy;
}

bool CorsPolicy::covers(std::string_view path) { return path.starts_with("/v1/"); }

bool CorsPolicy::is_preflight(const net::Request& head) {
  const std::string_view target = head.target();
  return head.method() == http::verb::options && covers(target.substr(0, target.find('?'))) &&
         head.find(http::field::origin) != head.end();
}

std::string CorsPolicy::allow_origin(const net::Request& head) const {
  const std::string_view target = head.target();
  if (!covers(target.substr(0, target.find('?')))) return {};
  const auto origin = head.find(http::field::origin);
  if (origin == head.end()) return {};
  if (any_) return "*";
  const std::string_view value = origin->value();
  const bool listed = std::find(origins_.begin(), origins_.end(), value) != origins_.end();
  return listed ? std::string(value) : std::string();
}

net::Response CorsPolicy::preflight(const net::Request& head) const {
  const std::string origin = allow_origin(head);
  const auto headers = requested_headers(head[http::field::access_control_request_headers]);
  if (origin.empty() || !headers)
    return net::make_error_response(
        {403, "permission_error", "cors_origin_not_allowed", "this origin may not call the API (--cors-origins)"});
  net::Response answer{http::status::no_content, head.version()};
  answer.set(http::field::server, "potluck");
  answer.set(http::field::access_control_allow_methods, kAllowedMethods);
  if (!headers->empty()) answer.set(http::field::access_control_allow_headers, *headers);
  answer.set(http::field::access_control_max_age, kMaxAgeSeconds);
  return answer;  // Allow-Origin and Vary come with response_fields, as on every answer
}

net::HeaderFields CorsPolicy::response_fields(const net::Request& head) const {
  std::string origin = allow_origin(head);
  if (origin.empty()) return {};
  net::HeaderFields fields;
  if (!any_) fields.emplace_back("Vary", "Origin");
  fields.emplace_back("Access-Control-Allow-Origin", std::move(origin));
  fields.emplace_back("Access-Control-Expose-Headers", std::string(kExposedFields));
  return fields;
}

}  // namespace potluck::coordinator
