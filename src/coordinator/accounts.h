#pragma once
// Issuing credentials: shared by the HTTP API and the offline admin commands,
// so both mint and store secrets the same way (digest only).
#include "store/store.h"

#include <string>

namespace potluck::coordinator {

inline constexpr std::string_view kAllScopes = "inference exec admin";
inline constexpr std::string_view kDefaultScopes = "inference exec";

struct IssuedSecret {
  std::string id;
  std::string secret;  // shown once, never stored
};

// Validates a space- or comma-separated scope list; returns it normalised.
std::expected<std::string, std::string> normalise_scopes(std::string_view scopes);

store::Result<IssuedSecret> issue_api_key(store::Store& store, const std::string& user_id,
                                          const std::string& name, const std::string& scopes);
store::Result<IssuedSecret> issue_node_token(store::Store& store, const std::string& owner_id,
                                             const std::string& name);

}  // namespace potluck::coordinator
