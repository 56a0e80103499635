// Fuzzes the translation of Responses API bodies (coordinator/api/
// responses_request): any bytes must give either a chat body, a JSON object
// with messages, which the chat path then validates as it would any chat
// request, or a 400 in the OpenAI error shape that does not echo the body;
// and for an accepted body, the body an engine with the Responses API would
// get instead (passthrough_body): bounded by the hold, never stored.
#include "coordinator/api/openai_request.h"
#include "coordinator/api/responses_request.h"
#include "fuzz_check.h"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace potluck::coordinator::api;

void check_error(const potluck::ApiError& error, std::string_view body) {
  FUZZ_CHECK(error.status == 400);
  FUZZ_CHECK(error.type == "invalid_request_error");
  FUZZ_CHECK(!error.message.empty() && !error.code.empty());
  // Privacy: messages never carry request text (fuzz_check.h says how far
  // a harness can tell).
  FUZZ_CHECK(!repeats_body(error.message, body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto translated = translate_responses_request(body);
  if (!translated) {
    check_error(translated.error(), body);
    return 0;
  }
  boost::system::error_code ec;
  auto chat = boost::json::parse(translated->chat_body, ec);
  FUZZ_CHECK(!ec && chat.is_object());
  const auto* messages = chat.as_object().if_contains("messages");
  FUZZ_CHECK(messages && messages->is_array() && !messages->as_array().empty());
  // Nothing that needs stored state reaches a node.
  for (std::string_view key : {"input", "store", "previous_response_id", "conversation", "background"})
    FUZZ_CHECK(!chat.as_object().contains(key));
  auto parsed = parse_completion_request(translated->chat_body, potluck::protocol::JobKind::chat, 4096);
  if (!parsed) {
    check_error(parsed.error(), body);
    return 0;
  }
  // What an engine with the Responses API gets instead: bounded by the hold,
  // never stored, nothing that needs stored state.
  auto passed = boost::json::parse(passthrough_body(body, parsed->held_output_tokens()), ec);
  FUZZ_CHECK(!ec && passed.is_object());
  const auto& native = passed.as_object();
  FUZZ_CHECK(native.at("store") == false);
  FUZZ_CHECK(native.at("max_output_tokens") == parsed->held_output_tokens());
  for (std::string_view key : {"previous_response_id", "conversation"})
    FUZZ_CHECK(!native.contains(key) || native.at(key).is_null());
  return 0;
}
