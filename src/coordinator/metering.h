#pragma once
// What a job is billed for. The node reports token counts; the coordinator
// cross-checks them with what it relayed: a token is at least one byte, so a
// node can never have used more input tokens than the request had bytes, nor
// produced more output tokens than the bytes of the chunks it sent. A report
// past either bound is a mismatch (the node is flagged) and is billed at the
// bound. A job that did not finish pays only for what reached the consumer.
#include "protocol/frames.h"

#include <cstdint>

namespace potluck::coordinator {

struct RelayRecord {
  bool finished = false;             // the node sent done
  protocol::Usage reported;          // from done
  std::int64_t request_bytes = 0;
  std::int64_t relayed_bytes = 0;    // chunk deltas from the node
  std::int64_t delivered_chunks = 0; // chunks written to the consumer
};

struct Metered {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  bool mismatch = false;  // the report exceeded what was relayed
};

Metered meter(const RelayRecord& relay);

}  // namespace potluck::coordinator
