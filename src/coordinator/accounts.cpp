#include "coordinator/accounts.h"

#include "common/clock.h"

#include "common/strings.h"
#include "crypto/secret_token.h"

#include <algorithm>
#include <chrono>

namespace potluck::coordinator {

std::expected<std::string, std::string> normalise_scopes(std::string_view scopes) {
  std::string text(scopes);
  std::replace(text.begin(), text.end(), ',', ' ');
  std::vector<std::string> wanted = split(text, ' ');
  if (wanted.empty()) return std::string(kDefaultScopes);
  std::string out;
  for (std::string_view known : {"inference", "exec", "admin"}) {
    if (std::find(wanted.begin(), wanted.end(), known) == wanted.end()) continue;
    if (!out.empty()) out += ' ';
    out += known;
  }
  for (const auto& w : wanted)
    if (w != "inference" && w != "exec" && w != "admin")
      return std::unexpected("unknown scope '" + w + "' (known: inference, exec, admin)");
  return out;
}

store::Result<IssuedSecret> issue_api_key(store::Store& store, const std::string& user_id,
                                          const std::string& name, const std::string& scopes) {
  auto minted = crypto::mint_token(crypto::kApiKeyPrefix);
  store::ApiKey record{minted.id, user_id, name, minted.digest, scopes, unix_now_ms()};
  if (auto inserted = store.insert_api_key(record); !inserted) return std::unexpected(inserted.error());
  return IssuedSecret{minted.id, minted.token};
}

store::Result<IssuedSecret> issue_node_token(store::Store& store, const std::string& owner_id,
                                             const std::string& name) {
  auto minted = crypto::mint_token(crypto::kNodeTokenPrefix);
  store::NodeToken record{minted.id, owner_id, name, minted.digest, unix_now_ms()};
  if (auto inserted = store.insert_node_token(record); !inserted)
    return std::unexpected(inserted.error());
  return IssuedSecret{minted.id, minted.token};
}

}  // namespace potluck::coordinator
