#include "store/usage_outcome.h"

#include "common/enum_text.h"

namespace potluck::store {
namespace {

constexpr EnumText<UsageStatus, 4> kStatusText{{{
    {UsageStatus::ok, "ok"},
    {UsageStatus::error, "error"},
    {UsageStatus::cancelled, "cancelled"},
    {UsageStatus::timeout, "timeout"},
}}};
static_assert(covers(kStatusText, UsageStatus::timeout));

constexpr EnumText<RelayFailure, 5> kRelayText{{{
    {RelayFailure::client_disconnected, "client_disconnected"},
    {RelayFailure::client_too_slow, "client_too_slow"},
    {RelayFailure::claim_timeout, "claim_timeout"},
    {RelayFailure::output_too_large, "output_too_large"},
    {RelayFailure::no_result, "no_result"},
}}};
static_assert(covers(kRelayText, RelayFailure::no_result));

}  // namespace

std::string_view to_string(UsageStatus status) { return kStatusText.to_string(status); }
std::optional<UsageStatus> usage_status_from(std::string_view text) { return kStatusText.from(text); }
std::span<const UsageStatus> all_usage_statuses() { return kStatusText.values(); }

std::string_view to_string(RelayFailure failure) { return kRelayText.to_string(failure); }
std::optional<RelayFailure> relay_failure_from(std::string_view text) { return kRelayText.from(text); }
std::span<const RelayFailure> all_relay_failures() { return kRelayText.values(); }

std::string_view to_string(const FailureCode& code) {
  return std::visit([](auto value) { return to_string(value); }, code);
}

std::string_view to_string(const std::optional<FailureCode>& code) {
  return code ? to_string(*code) : std::string_view();
}

std::optional<FailureCode> failure_code_from(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (auto relay = relay_failure_from(text)) return *relay;
  return protocol::error_code_from(text).value_or(protocol::ErrorCode::node_error);
}

}  // namespace potluck::store
