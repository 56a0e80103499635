#pragma once
// Validation of OpenAI-style completion requests. Only the fields the
// coordinator needs are read; the body itself is relayed to the node as-is,
// unknown fields included.
#include "common/api_error.h"
#include "protocol/frames.h"

#include <expected>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

struct CompletionRequest {
  protocol::JobKind kind = protocol::JobKind::chat;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  std::int64_t max_tokens = 0;  // 0 = not given
  std::string cluster;          // Potluck's own field: run in this cluster ("public": the pool)
};

std::expected<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                    protocol::JobKind kind);

}  // namespace potluck::coordinator::api
