#include "crypto/secret_token.h"

#include "crypto/sha256.h"

namespace potluck::crypto {
namespace {

bool is_base32(std::string_view text) {
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  return true;
}

}  // namespace

MintedToken mint_token(std::string_view prefix) {
  MintedToken out;
  out.id = random_base32(kTokenIdLength);
  out.token = std::string(prefix) + out.id + "_" + random_base32(kTokenSecretLength);
  out.digest = sha256_hex(out.token);
  return out;
}

std::optional<ParsedToken> parse_token(std::string_view token, std::string_view prefix) {
  if (!token.starts_with(prefix)) return std::nullopt;
  auto rest = token.substr(prefix.size());
  if (rest.size() != kTokenIdLength + 1 + kTokenSecretLength || rest[kTokenIdLength] != '_')
    return std::nullopt;
  auto id = rest.substr(0, kTokenIdLength);
  if (!is_base32(id) || !is_base32(rest.substr(kTokenIdLength + 1))) return std::nullopt;
  return ParsedToken{id, token};
}

bool token_matches(std::string_view token, std::string_view stored_digest) {
  return constant_time_equal(sha256_hex(token), stored_digest);
}

}  // namespace potluck::crypto
