#pragma once
// The answer to a store call that failed for a reason the caller cannot fix:
// logged with the store's message, answered with a plain 500.
#include "net/http_server.h"
#include "store/result.h"

#include <string_view>

namespace potluck::coordinator::api {

net::Response store_failure(std::string_view operation, const store::StoreError& error);

}  // namespace potluck::coordinator::api
