#pragma once
// The mock backend's reply, as pure functions so tests can pin it down. The
// reply is derived from a hash of the prompt (same prompt, same reply) and
// never contains the prompt itself.
#include "protocol/frames.h"

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::node::mock {

inline constexpr std::int64_t kDefaultTokens = 16;
inline constexpr std::int64_t kMaxTokens = 100'000;

struct Reply {
  std::vector<std::string> words;     // one token each, in order
  std::string finish_reason;          // "stop", or "length" when max_tokens cut it
  std::int64_t prompt_tokens = 0;     // whitespace-separated words of the prompt
  std::chrono::milliseconds delay{0}; // pause between chunks ("mock_delay_ms")
};

struct Chunk {
  int index = 0;
  std::string delta;          // raw JSON object text
  std::string finish_reason;  // on the last chunk only
};

// Plans the reply to a job whose payload is the consumer's request body.
// Length: "mock_tokens" (a test hook, default 16), cut by max_tokens or
// max_completion_tokens. Fails only when the payload is not a JSON object.
std::expected<Reply, std::string> plan_reply(protocol::JobKind kind, std::string_view payload);

// The chunks of `reply` in the OpenAI streaming shape: for chat a role chunk,
// one {"content":"word "} per word, then {} with the finish reason; for
// completions {"text":"word "} per word, then {"text":""} with the reason.
std::vector<Chunk> reply_chunks(protocol::JobKind kind, const Reply& reply);

// Whitespace-separated words in `text`.
std::int64_t count_words(std::string_view text);

}  // namespace potluck::node::mock
