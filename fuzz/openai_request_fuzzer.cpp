// Fuzzes the validation of OpenAI completion bodies (coordinator/api/
// openai_request): any bytes must give either a request the coordinator can
// act on or a 400 in the OpenAI error shape that does not echo the body.
#include "coordinator/api/openai_request.h"
#include "fuzz_check.h"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using potluck::coordinator::api::parse_completion_request;
using potluck::protocol::JobKind;

void check_error(const potluck::ApiError& error, std::string_view body) {
  FUZZ_CHECK(error.status == 400);
  FUZZ_CHECK(error.type == "invalid_request_error");
  FUZZ_CHECK(!error.message.empty());
  // Privacy: messages never carry request text (fuzz_check.h says how far
  // a harness can tell).
  FUZZ_CHECK(!repeats_body(error.message, body));
  boost::system::error_code ec;
  auto envelope = boost::json::parse(error.to_json(), ec);
  FUZZ_CHECK(!ec && envelope.is_object() && envelope.as_object().contains("error"));
}

void check(std::string_view body, JobKind kind) {
  constexpr std::int64_t kCap = 4096;
  auto parsed = parse_completion_request(body, kind, kCap);
  if (!parsed) return check_error(parsed.error(), body);
  FUZZ_CHECK(parsed->kind == kind);
  FUZZ_CHECK(!parsed->model.empty());
  // The hold is built on these: never above the cap, never negative or none.
  FUZZ_CHECK(parsed->max_tokens >= 1 && parsed->max_tokens <= kCap);
  FUZZ_CHECK(parsed->choices >= 1 && parsed->choices <= potluck::coordinator::api::kMaxChoices);
  // What the node gets says the same bound.
  auto sent = boost::json::parse(parsed->payload(body));
  FUZZ_CHECK(sent.as_object().at("max_tokens").as_int64() == parsed->max_tokens);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  check(body, JobKind::chat);
  check(body, JobKind::completion);
  return 0;
}
