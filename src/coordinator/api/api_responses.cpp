#include "coordinator/api/api_responses.h"

#include "coordinator/store_error.h"

#include <boost/json/serialize.hpp>

namespace potluck::coordinator::api {

net::Response json_response(net::http::status status, const boost::json::value& body) {
  return net::make_response(status, boost::json::serialize(body));
}

net::Response method_not_allowed() {
  return net::make_error_response(
      {405, "invalid_request_error", "method_not_allowed", "method not allowed on this path"});
}

net::Response store_error_response(const store::StoreError& error, std::string_view what,
                                   int invalid_status) {
  return net::make_error_response(store_error(error, what, invalid_status));
}

}  // namespace potluck::coordinator::api
