#pragma once
// CORS for browser clients of the OpenAI-compatible API (--cors-origins).
// Only /v1/ paths take part: the dashboard's /api keeps its SameSite session
// cookie and gets no CORS at all, so no other origin can read it. Keys travel
// in the Authorization header, never in cookies, so no answer ever carries
// Access-Control-Allow-Credentials; that is what makes "*" safe for /v1.
//
// A preflight (OPTIONS with an Origin) is answered from the head alone,
// before any key or body: browsers send neither with it.
#include "net/http_server.h"

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::coordinator {

class CorsPolicy {
 public:
  // `list`: comma-separated origins ("https://app.example:8443") or "*";
  // empty: no origin is allowed (the default). An entry that is not an
  // origin (a path, no scheme, spaces inside) is an error naming it.
  static std::expected<CorsPolicy, std::string> parse(std::string_view list);

  // Whether `path` is one CORS applies to (/v1/...).
  static bool covers(std::string_view path);
  // Whether the request is a CORS preflight on a covered path.
  static bool is_preflight(const net::Request& head);

  // The preflight's answer: 204 with the allowed methods and headers for an
  // allowed origin, 403 (no CORS fields: the browser refuses) otherwise.
  net::Response preflight(const net::Request& head) const;
  // The fields every answer to a covered request from an allowed origin
  // carries (net::ResponseFields): none for other requests.
  net::HeaderFields response_fields(const net::Request& head) const;

 private:
  // The Access-Control-Allow-Origin value for the request, empty when none.
  std::string allow_origin(const net::Request& head) const;

  bool any_ = false;
  std::vector<std::string> origins_;
};

}  // namespace potluck::coordinator
