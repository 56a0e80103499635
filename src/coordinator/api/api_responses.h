#pragma once
// Answers shared by the /api handlers.
#include "net/http_server.h"
#include "store/result.h"

#include <boost/json/object.hpp>

namespace potluck::coordinator::api {

net::Response json_response(net::http::status status, const boost::json::value& body);
net::Response method_not_allowed();

// A store error as the HTTP answer a caller should see. Storage failures are
// logged with their message and answered with a generic 500.
// not_found 404, conflict 409, invalid `invalid_status` (409 by default: the
// request breaks a rule of the current state), gone 410, insufficient 402,
// io 500. `what` names the object for the messages of not_found.
net::Response store_error_response(const store::StoreError& error, std::string_view what,
                                   int invalid_status = 409);

}  // namespace potluck::coordinator::api
