#include "coordinator/jobs/node_loss.h"

namespace potluck::coordinator {
namespace {
constexpr int kRetryAfterS = 2;  // another node is usually there at once
}  // namespace

std::optional<ApiError> lost_with_node(const protocol::Error& error) {
  using protocol::ErrorCode;
  if (error.code != ErrorCode::node_disconnected && error.code != ErrorCode::draining) return std::nullopt;
  return ApiError{503, "server_error", "node_lost",
                  "the job was cut off before it finished (its node went away, or this coordinator is stopping); "
                  "send the request again", kRetryAfterS};
}

}  // namespace potluck::coordinator
