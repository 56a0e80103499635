#pragma once
// Why a job failed, as an `error` frame's "code" says it (docs/protocol.md).
// A closed set: the decoder maps any text it does not know to node_error, so a
// node can never put free text into a log line, a usage row or a consumer's
// error. to_string / error_code_from are the one place that spells the codes.
#include <optional>
#include <span>
#include <string_view>

namespace potluck::protocol {

enum class ErrorCode {
  // Sent by nodes:
  upstream_error,        // the engine answered non-2xx or broke the stream
  upstream_unreachable,  // the engine could not be reached
  bad_request,           // the payload was unusable
  timeout,               // the job's deadline passed
  cancelled,             // the job was cancelled or aborted
  draining,              // the node is shutting down
  busy,                  // the node is at its job limit
  model_unavailable,     // the node does not serve the job's model
  exec_unavailable,      // the node does not run code
  unsupported_kind,      // the node's backend does not run this kind of job
  unsupported_language,  // the node does not run the program's language
  sandbox_error,         // the node's sandbox failed
  node_error,            // anything else, and every code this version does not know
  // Set by the coordinator, never taken from a node:
  consumer_too_slow,     // the consumer did not read its stream fast enough
  node_disconnected,     // the node's connection went away
  result_too_large,      // a collected answer passed --max-result-bytes
  malformed_output,      // a piece of a collected answer broke its kind's rules (an embedding past its bounds)
};

std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> error_code_from(std::string_view text);
// A code as an `error` frame from a node carries it: the codes nodes send
// (upstream_error .. node_error); anything else, including the codes only
// the coordinator sets (a node must not pass its failure off as the
// consumer's), is node_error.
ErrorCode error_code_from_node(std::string_view text);
// Every code, in declaration order (tests, documentation checks).
std::span<const ErrorCode> all_error_codes();

}  // namespace potluck::protocol
