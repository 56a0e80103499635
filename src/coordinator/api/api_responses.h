#pragma once
// Answers shared by the /api handlers.
#include "net/http_server.h"
#include "store/result.h"

#include <boost/json/object.hpp>

namespace potluck::coordinator::api {

net::Response json_response(net::http::status status, const boost::json::value& body);
net::Response method_not_allowed();

// The one place that turns a failed store call into the HTTP answer the
// caller sees (every handler uses it):
//   not_found     404 "no such <what>", code <what>_not_found ("api key" ->
//                 api_key_not_found)
//   conflict      409 conflict, the store's message
//   invalid       `invalid_status` (409 by default: the request breaks a rule
//                 of the current state; 400 where the request itself is at
//                 fault), code not_allowed, the store's message
//   gone          410 gone (a spent, expired or revoked invite)
//   insufficient  402 insufficient_credits
//   io            500 "storage error"; the store's message (never request
//                 content) is logged with `what`, not sent.
// The store's messages name rules and ids only, so they may be shown.
net::Response store_error_response(const store::StoreError& error, std::string_view what,
                                   int invalid_status = 409);

}  // namespace potluck::coordinator::api
