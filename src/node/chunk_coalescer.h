#pragma once
// Merges the text deltas of a job whose consumer did not ask for a stream.
// Such a consumer only sees the final text, so relaying every token as its
// own frame would cost the node and the coordinator a frame each for nothing.
// Deltas that carry more than text (tool calls, reasoning, a null content) or
// come with the engine's extras (logprobs, system_fingerprint) are not
// merged: the caller flushes what is pending and sends them as they are, in
// order.
#include "protocol/frames.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::node {

class ChunkCoalescer {
 public:
  explicit ChunkCoalescer(protocol::JobKind kind) : kind_(kind) {}

  // True when the delta was merged; false when it must be sent unchanged.
  bool absorb(const protocol::Chunk& chunk);
  bool empty() const { return choices_.empty(); }
  // The merged chunks, one per choice in index order; leaves the coalescer empty.
  std::vector<protocol::Chunk> take(const std::string& job_id);

 private:
  struct Choice {
    std::string role;
    std::string text;
    std::string finish_reason;
  };
  protocol::JobKind kind_;
  std::map<int, Choice> choices_;
};

}  // namespace potluck::node
