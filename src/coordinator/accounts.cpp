#include "coordinator/accounts.h"

#include "common/clock.h"

#include "common/strings.h"
#include "crypto/secret_token.h"

#include <algorithm>
#include <chrono>

namespace potluck::coordinator {
namespace {

struct MintedKey {
  store::ApiKey record;
  IssuedSecret secret;
};

MintedKey mint_api_key(const std::string& user_id, const std::string& name, const std::string& scopes,
                       const std::string& cluster_id) {
  auto minted = crypto::mint_token(crypto::kApiKeyPrefix);
  return {{minted.id, user_id, name, minted.digest, scopes, unix_now_ms(), 0, 0, cluster_id},
          {minted.id, minted.token}};
}

}  // namespace

std::expected<std::string, std::string> normalise_scopes(std::string_view scopes) {
  std::string text(scopes);
  std::replace(text.begin(), text.end(), ',', ' ');
  std::vector<std::string> wanted = split(text, ' ');
  if (wanted.empty()) return std::string(kDefaultScopes);
  std::string out;
  std::string known;
  for (store::Scope scope : store::all_scopes()) {
    const std::string_view name = to_string(scope);
    known += (known.empty() ? "" : ", ") + std::string(name);
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  for (const auto& w : wanted)
    if (!store::scope_from(w)) return std::unexpected("unknown scope '" + w + "' (known: " + known + ")");
  return out;
}

std::string first_key_scopes(store::Role role) {
  return std::string(role == store::Role::admin ? kAllScopes : kFirstKeyScopes);
}

store::Result<IssuedSecret> issue_api_key(store::Store& store, const std::string& user_id,
                                          const std::string& name, const std::string& scopes,
                                          const std::string& cluster_id) {
  auto key = mint_api_key(user_id, name, scopes, cluster_id);
  if (auto inserted = store.insert_api_key(key.record); !inserted) return std::unexpected(inserted.error());
  return key.secret;
}

store::Result<IssuedSecret> issue_node_token(store::Store& store, const std::string& owner_id,
                                             const std::string& name, const std::string& cluster_id) {
  auto minted = crypto::mint_token(crypto::kNodeTokenPrefix);
  store::NodeToken record{minted.id, owner_id, name, minted.digest, unix_now_ms(), 0, cluster_id};
  if (auto inserted = store.insert_node_token(record); !inserted)
    return std::unexpected(inserted.error());
  return IssuedSecret{minted.id, minted.token};
}

store::Result<NewAccount> create_account(store::Store& store, const std::string& actor_id,
                                         const std::string& email, store::Role role,
                                         const std::string& key_name) {
  auto scopes = first_key_scopes(role);
  auto key = mint_api_key("", key_name, scopes, "");
  auto user = store.create_user_with_key(actor_id, email, role, key.record);
  if (!user) return std::unexpected(user.error());
  return NewAccount{std::move(*user), std::move(key.secret), std::move(scopes), ""};
}

store::Result<NewAccount> sign_up(store::Store& store, const store::InviteClaim& claim,
                                  const std::string& email) {
  auto scopes = first_key_scopes(store::Role::member);
  auto key = mint_api_key("", "first key", scopes, "");
  auto signed_up = store.signup(claim, email, key.record);
  if (!signed_up) return std::unexpected(signed_up.error());
  return NewAccount{std::move(signed_up->user), std::move(key.secret), std::move(scopes),
                    std::move(signed_up->cluster_id)};
}

store::Result<IssuedSecret> issue_invite(store::Store& store, const std::string& creator_id,
                                         const InviteTerms& terms) {
  auto minted = crypto::mint_token(crypto::kInviteCodePrefix);
  const auto now = unix_now_ms();
  store::Invite invite{minted.id, terms.cluster_id, creator_id, now, now + terms.expires_in_s * 1000,
                       terms.max_uses};
  if (auto created = store.clusters().create_invite(invite, minted.digest); !created)
    return std::unexpected(created.error());
  return IssuedSecret{minted.id, minted.token};
}

}  // namespace potluck::coordinator
