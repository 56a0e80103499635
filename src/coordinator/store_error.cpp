#include "coordinator/store_error.h"

#include "common/log.h"

#include <cctype>
#include <string>

namespace potluck::coordinator {
namespace {

// "node token" -> "node_token_not_found".
std::string not_found_code(std::string_view what) {
  std::string code;
  for (const char c : what) code += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code + "_not_found";
}

}  // namespace

ApiError store_error(const store::StoreError& error, std::string_view what, int invalid_status) {
  using Kind = store::StoreError::Kind;
  switch (error.kind) {
    case Kind::not_found:
      return ApiError::not_found("no such " + std::string(what), not_found_code(what));
    case Kind::conflict:
      return ApiError::conflict(error.message);
    case Kind::invalid:
      return {invalid_status, "invalid_request_error", "not_allowed", error.message};
    case Kind::gone:
      return {410, "invalid_request_error", "gone", error.message};
    case Kind::insufficient:
      return {402, "invalid_request_error", "insufficient_credits", error.message};
    case Kind::storage_unavailable:
      spdlog::warn("store call ({}) refused, storage unavailable: {}", what, error.message);
      return {503, "server_error", "storage_unavailable",
              "storage is unavailable: the coordinator cannot write its database right now; try again later",
              kStorageRetryAfterS};
    case Kind::io:
      break;
  }
  spdlog::error("store call ({}) failed: {}", what, error.message);
  return ApiError::internal("storage error");
}

}  // namespace potluck::coordinator
