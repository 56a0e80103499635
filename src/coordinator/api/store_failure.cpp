#include "coordinator/api/store_failure.h"

#include <spdlog/spdlog.h>

namespace potluck::coordinator::api {

net::Response store_failure(std::string_view operation, const store::StoreError& error) {
  spdlog::error("{}: store call failed: {}", operation, error.message);
  return net::make_error_response(ApiError::internal("storage error"));
}

}  // namespace potluck::coordinator::api
