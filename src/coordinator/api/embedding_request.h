#pragma once
// Validation of POST /v1/embeddings requests. The body goes to the node as it
// came (unknown fields included); only what routing and the bounds need is
// read: the model (or "tier:NAME"), Potluck's "cluster", how many inputs
// there are, the encoding asked for and the dimensions.
#include "common/api_error.h"
#include "coordinator/config.h"

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

struct EmbeddingRequest {
  std::string model;
  std::string cluster;
  std::int64_t inputs = 0;  // vectors the answer must hold
};

// `input` is a string, an array of strings, an array of token ids (one
// input) or an array of such arrays; none empty. `encoding_format` "float"
// or "base64"; `dimensions` a positive integer. Past `limits` (the inputs,
// the body's bytes, the dimensions) the request is refused: 413 for the
// bytes, 400 for the rest.
std::expected<EmbeddingRequest, ApiError> parse_embedding_request(std::string_view body, const EmbeddingLimits& limits);

}  // namespace potluck::coordinator::api
