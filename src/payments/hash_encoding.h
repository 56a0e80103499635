#pragma once
// Payment hashes as LND's REST gateway writes them: standard base64 in JSON
// bytes fields, base64url in URL paths and queries; hex everywhere in
// Potluck.
#include <optional>
#include <string>
#include <string_view>

namespace potluck::payments {

// 64 hex digits -> base64url with padding; nullopt for anything else.
std::optional<std::string> hex_to_base64url(std::string_view hex);
// Standard or URL-safe base64 (padding optional) of 32 bytes -> lowercase
// hex; nullopt for anything else.
std::optional<std::string> base64_hash_to_hex(std::string_view base64);
// A payment hash as Potluck keeps it: 64 lowercase hex digits.
bool is_payment_hash(std::string_view hex);

}  // namespace potluck::payments
