#include "net/body_encoding.h"

#include <zlib.h>

#include <array>
#include <cctype>

namespace potluck::net {
namespace {

enum class Encoding { identity, gzip, deflate, unknown };

Encoding parse_encoding(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string name;
  for (char c : text) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.empty() || name == "identity") return Encoding::identity;
  if (name == "gzip" || name == "x-gzip") return Encoding::gzip;
  if (name == "deflate") return Encoding::deflate;
  return Encoding::unknown;  // a list ("gzip, br") too: one encoding is all a client needs
}

// zlib's window bits: 15, plus 16 to read the gzip wrapper instead of zlib's.
constexpr int kGzipWindow = 15 + 16;
constexpr int kZlibWindow = 15;

ApiError not_compressed(std::string_view what) {
  return ApiError::bad_request("request body is not valid " + std::string(what) + " data", "invalid_encoding");
}

// Inflates into a string that never grows past max_bytes + one buffer: the
// output is checked after every buffer of it. A gzip body may hold several
// members one after the other; each is inflated in turn.
std::expected<std::string, ApiError> inflate_body(std::string_view body, int window_bits, std::string_view what,
                                                  std::size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return std::unexpected(ApiError::internal("zlib failed to start"));
  struct End {
    z_stream& zs;
    ~End() { inflateEnd(&zs); }
  } end{zs};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  std::string out;
  std::array<char, 64 * 1024> buffer;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
    zs.avail_out = static_cast<uInt>(buffer.size());
    const int status = inflate(&zs, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) return std::unexpected(not_compressed(what));
    const std::size_t produced = buffer.size() - zs.avail_out;
    if (out.size() + produced > max_bytes)
      return std::unexpected(ApiError::too_large("request body is larger than " + std::to_string(max_bytes) +
                                                 " bytes once inflated"));
    out.append(buffer.data(), produced);
    if (status == Z_STREAM_END) {
      if (zs.avail_in == 0) return out;
      if (window_bits != kGzipWindow || inflateReset(&zs) != Z_OK) return std::unexpected(not_compressed(what));
      continue;
    }
    // No progress with input left, or the input ended inside the stream.
    if (status == Z_BUF_ERROR || (zs.avail_in == 0 && produced == 0)) return std::unexpected(not_compressed(what));
  }
}

}  // namespace

std::expected<std::string, ApiError> decode_body(std::string_view encoding, std::string body, std::size_t max_bytes) {
  switch (parse_encoding(encoding)) {
    case Encoding::identity:
      return body;
    case Encoding::gzip:
      return inflate_body(body, kGzipWindow, "gzip", max_bytes);
    case Encoding::deflate:
      return inflate_body(body, kZlibWindow, "deflate", max_bytes);
    case Encoding::unknown:
      break;
  }
  return std::unexpected(ApiError{415, "invalid_request_error", "unsupported_encoding",
                                  "Content-Encoding must be gzip, deflate or identity"});
}

}  // namespace potluck::net
