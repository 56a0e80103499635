#pragma once
// Request bodies sent compressed (Content-Encoding: gzip or deflate), as some
// OpenAI clients and proxies send large prompts. The inflated body is held
// to the same limit as a plain one, and inflating stops as soon as it passes
// it: a small body that would inflate to gigabytes (a zip bomb) costs no more
// than the limit.
#include "common/api_error.h"

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace potluck::net {

// The body as its Content-Encoding header (`encoding`) says to read it:
// empty or identity: unchanged; gzip (x-gzip) or deflate (zlib format):
// inflated. 415 for any other encoding (a list of several included), 413
// past `max_bytes` once inflated, 400 for data that does not inflate.
std::expected<std::string, ApiError> decode_body(std::string_view encoding, std::string body, std::size_t max_bytes);

}  // namespace potluck::net
