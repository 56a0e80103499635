#pragma once
// Answers shared by the /api handlers.
#include "net/http_server.h"
#include "store/result.h"

#include <boost/json/object.hpp>

namespace potluck::coordinator::api {

net::Response json_response(net::http::status status, const boost::json::value& body);
net::Response method_not_allowed();

// A failed store call as the HTTP answer (the mapping: coordinator/store_error.h).
net::Response store_error_response(const store::StoreError& error, std::string_view what,
                                   int invalid_status = 409);

}  // namespace potluck::coordinator::api
