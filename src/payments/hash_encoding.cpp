#include "payments/hash_encoding.h"

#include <array>
#include <cstdint>
#include <vector>

namespace potluck::payments {
namespace {

constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kHashBytes = 32;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

bool is_payment_hash(std::string_view hex) {
  if (hex.size() != kHashBytes * 2) return false;
  for (const char c : hex)
    if (kHex.find(c) == std::string_view::npos) return false;
  return true;
}

std::optional<std::string> hex_to_base64url(std::string_view hex) {
  if (!is_payment_hash(hex)) return std::nullopt;
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<std::uint8_t>(kHex.find(hex[i]) << 4 | kHex.find(hex[i + 1])));
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t chunk = bytes[i] << 16 | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                                (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kBase64Url[chunk >> 18 & 63];
    out += kBase64Url[chunk >> 12 & 63];
    out += i + 1 < bytes.size() ? kBase64Url[chunk >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64Url[chunk & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_hash_to_hex(std::string_view base64) {
  while (!base64.empty() && base64.back() == '=') base64.remove_suffix(1);
  std::vector<std::uint8_t> bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : base64) {
    const int value = base64_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
  }
  if (bytes.size() != kHashBytes) return std::nullopt;
  std::string hex;
  for (const auto b : bytes) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

}  // namespace potluck::payments
