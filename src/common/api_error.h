#pragma once
// An error a request handler reports to its caller. It renders as the OpenAI
// error envelope {"error":{"message","type","param","code"}} with an HTTP status.
#include <string>

namespace potluck {

struct ApiError {
  int status = 500;
  std::string type;     // invalid_request_error, authentication_error, ...
  std::string code;     // machine-readable; empty renders as null
  // For humans, and never logged: an engine's refusal adds the engine's own
  // words, which may quote the caller's request (CompletionPolicy).
  std::string message;
  int retry_after_s = 0;  // >0 adds a Retry-After header

  static ApiError bad_request(std::string message, std::string code = "invalid_request");
  static ApiError unauthorized(std::string message);
  static ApiError forbidden(std::string message);
  static ApiError not_found(std::string message, std::string code = "not_found");
  static ApiError conflict(std::string message);
  static ApiError payment_required(std::string message);
  static ApiError rate_limited(std::string message, int retry_after_s);
  static ApiError gone(std::string message, std::string code = "gone");
  static ApiError too_large(std::string message);
  static ApiError unavailable(std::string message, int retry_after_s);
  static ApiError timeout(std::string message);
  static ApiError internal(std::string message);

  // {"error":{...}} as compact JSON.
  std::string to_json() const;
};

}  // namespace potluck
