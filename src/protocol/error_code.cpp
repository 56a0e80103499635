#include "protocol/error_code.h"

#include "common/enum_text.h"

namespace potluck::protocol {
namespace {

constexpr EnumText<ErrorCode, 17> kText{{{
    {ErrorCode::upstream_error, "upstream_error"},
    {ErrorCode::upstream_unreachable, "upstream_unreachable"},
    {ErrorCode::bad_request, "bad_request"},
    {ErrorCode::timeout, "timeout"},
    {ErrorCode::cancelled, "cancelled"},
    {ErrorCode::draining, "draining"},
    {ErrorCode::busy, "busy"},
    {ErrorCode::model_unavailable, "model_unavailable"},
    {ErrorCode::exec_unavailable, "exec_unavailable"},
    {ErrorCode::unsupported_kind, "unsupported_kind"},
    {ErrorCode::unsupported_language, "unsupported_language"},
    {ErrorCode::sandbox_error, "sandbox_error"},
    {ErrorCode::node_error, "node_error"},
    {ErrorCode::consumer_too_slow, "consumer_too_slow"},
    {ErrorCode::node_disconnected, "node_disconnected"},
    {ErrorCode::result_too_large, "result_too_large"},
    {ErrorCode::malformed_output, "malformed_output"},
}}};
static_assert(covers(kText, ErrorCode::malformed_output));

}  // namespace

std::string_view to_string(ErrorCode code) { return kText.to_string(code); }
std::optional<ErrorCode> error_code_from(std::string_view text) { return kText.from(text); }
std::span<const ErrorCode> all_error_codes() { return kText.values(); }

ErrorCode error_code_from_node(std::string_view text) {
  const auto code = kText.from(text);
  if (!code || *code > ErrorCode::node_error) return ErrorCode::node_error;
  return *code;
}

}  // namespace potluck::protocol
