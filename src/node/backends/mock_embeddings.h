#pragma once
// The mock backend's embeddings, as pure functions so tests can pin them
// down: each input's vector is derived from a hash of that input alone (same
// input, same vector, whatever else the request holds) and never contains it.
// The fake upstream (tests/support) answers /v1/embeddings with this file
// too, so it depends on nothing but Boost.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::node::mock {

inline constexpr std::int64_t kDefaultDimensions = 8;
inline constexpr std::int64_t kMaxMockDimensions = 65'536;

struct Embeddings {
  std::vector<std::string> vectors;  // per input, in order: a JSON array of numbers or a base64 string literal
  std::int64_t prompt_tokens = 0;    // words of the text inputs plus the ids of the token inputs
};

// `payload` is an embeddings request: `input` a string, strings, token ids
// or arrays of them; `dimensions` (default `default_dimensions`, at most
// kMaxMockDimensions) numbers per vector, each FNV-1a of (the input's JSON
// text, the component's index) mapped onto [-1, 1] in steps of 1/1000;
// `encoding_format` "base64": the vector's little-endian float32 bytes in
// base64. Fails when the payload is not such a request.
std::expected<Embeddings, std::string> plan_embeddings(std::string_view payload,
                                                       std::int64_t default_dimensions = kDefaultDimensions);

}  // namespace potluck::node::mock
