#include "coordinator/metering.h"

#include <algorithm>

namespace potluck::coordinator {

Metered meter(const RelayRecord& r) {
  Metered m;
  if (!r.finished) {
    // Each delivered chunk carried at least one token (and at most its bytes).
    m.completion_tokens = std::min(r.delivered_chunks, r.relayed_bytes);
    return m;
  }
  m.prompt_tokens = std::min(r.reported.prompt_tokens, r.request_bytes);
  m.completion_tokens = std::min(r.reported.completion_tokens, r.relayed_bytes);
  m.mismatch = r.reported.prompt_tokens > r.request_bytes || r.reported.completion_tokens > r.relayed_bytes;
  return m;
}

}  // namespace potluck::coordinator
