#pragma once
// The body of POST /v1/jobs: {kind, model | tier, priority, keep_result,
// payload}. The
// payload is the body the synchronous endpoint would take; the top-level
// model or tier wins over the payload's model, and streaming is turned off
// (the result is collected into one response object).
#include "common/api_error.h"
#include "coordinator/dispatch_queue.h"
#include "protocol/frames.h"

#include <expected>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

struct JobRequest {
  protocol::JobKind kind = protocol::JobKind::chat;
  Priority priority = Priority::normal;
  // The result stays readable until the ttl; otherwise it is dropped at the
  // owner's first read of the completed job.
  bool keep_result = false;
  std::string payload;  // serialized, with model set and stream off
};

std::expected<JobRequest, ApiError> parse_job_request(std::string_view body);

}  // namespace potluck::coordinator::api
