#pragma once
// How a job ended, as its usage row says it: the status and, unless it ended
// ok, the error code. The columns hold the text of these values (to_string);
// the SQLite layer converts at the boundary, and these functions are the one
// place that spells them.
#include "protocol/error_code.h"

#include <optional>
#include <span>
#include <string_view>
#include <variant>

namespace potluck::store {

enum class UsageStatus { ok, error, cancelled, timeout };

std::string_view to_string(UsageStatus status);
std::optional<UsageStatus> usage_status_from(std::string_view text);
std::span<const UsageStatus> all_usage_statuses();

// Failures only the coordinator sees: they have no node-side code.
enum class RelayFailure {
  client_disconnected,  // the consumer hung up (or its job was cancelled before it ran)
  client_too_slow,      // the consumer did not read its stream in time
  claim_timeout,        // no node took an asynchronous job within its claim timeout
  output_too_large,     // an exec job's collected output passed the coordinator's bound
  no_result,            // an exec job's node ended without saying how the program ended
};

std::string_view to_string(RelayFailure failure);
std::optional<RelayFailure> relay_failure_from(std::string_view text);
std::span<const RelayFailure> all_relay_failures();

// The usage row's error_code holds a mix: the code the node sent (or the
// coordinator set for a broken node link), or a failure of the coordinator's
// own. One type for the column, built from the two closed sets rather than a
// third list that repeats the protocol's: the texts of the two never overlap.
using FailureCode = std::variant<protocol::ErrorCode, RelayFailure>;

std::string_view to_string(const FailureCode& code);
// A job that ended ok has no code: empty text (a NULL column).
std::string_view to_string(const std::optional<FailureCode>& code);
// Empty text is no code. Text this version does not know (a row written by
// an older one, when nodes could still send free text) reads as
// protocol::ErrorCode::node_error.
std::optional<FailureCode> failure_code_from(std::string_view text);

}  // namespace potluck::store
