#pragma once
// Bearer secrets (API keys "pl_", node tokens "pln_", invite codes "pli_"):
// "<prefix><id>_<secret>".
// The id is public and used to look the record up; only the SHA-256 of the
// whole token is stored, and compared in constant time.
#include <optional>
#include <string>
#include <string_view>

namespace potluck::crypto {

inline constexpr std::string_view kApiKeyPrefix = "pl_";
inline constexpr std::string_view kNodeTokenPrefix = "pln_";
inline constexpr std::string_view kInviteCodePrefix = "pli_";
inline constexpr std::size_t kTokenIdLength = 12;
inline constexpr std::size_t kTokenSecretLength = 40;  // 200 bits

struct MintedToken {
  std::string token;   // shown once to the user
  std::string id;      // stored in clear, the lookup key
  std::string digest;  // sha256_hex(token), stored
};

MintedToken mint_token(std::string_view prefix);

struct ParsedToken {
  std::string_view id;
  std::string_view token;  // the whole token, for hashing
};

// Checks the shape (prefix, lengths, alphabet) without touching storage.
std::optional<ParsedToken> parse_token(std::string_view token, std::string_view prefix);

// True when `token` hashes to `stored_digest` (constant time).
bool token_matches(std::string_view token, std::string_view stored_digest);

}  // namespace potluck::crypto
