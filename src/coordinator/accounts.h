#pragma once
// Issuing credentials: shared by the HTTP API and the offline admin commands,
// so both mint and store secrets the same way (digest only).
#include "store/store.h"

#include <string>

namespace potluck::coordinator {

inline constexpr std::string_view kAllScopes = "inference exec account admin";
// A user's first key manages the account; keys made later without scopes
// named get only the consumer's scopes (keys_handler: or the caller's).
inline constexpr std::string_view kFirstKeyScopes = "inference exec account";
inline constexpr std::string_view kDefaultScopes = "inference exec";

struct IssuedSecret {
  std::string id;
  std::string secret;  // shown once, never stored
};

// Validates a space- or comma-separated scope list; returns it normalised.
std::expected<std::string, std::string> normalise_scopes(std::string_view scopes);
// The scopes of a user's first key: inference, exec and account; every scope for admins.
std::string first_key_scopes(store::Role role);

// `cluster_id` set: the key's jobs go to that cluster by default (the caller
// checks membership).
store::Result<IssuedSecret> issue_api_key(store::Store& store, const std::string& user_id,
                                          const std::string& name, const std::string& scopes,
                                          const std::string& cluster_id = {});
// `cluster_id` set: nodes enrolled with the token serve only that cluster.
store::Result<IssuedSecret> issue_node_token(store::Store& store, const std::string& owner_id,
                                             const std::string& name, const std::string& cluster_id = {});

// A new user and their first key, shown once.
struct NewAccount {
  store::User user;
  IssuedSecret key;
  std::string scopes;
  std::string cluster_id;  // joined at sign-up (a cluster invite)
};
// By an admin (or offline, with an empty actor).
store::Result<NewAccount> create_account(store::Store& store, const std::string& actor_id,
                                         const std::string& email, store::Role role,
                                         const std::string& key_name);
// Invite-only sign-up as a member; see Store::signup for the errors.
store::Result<NewAccount> sign_up(store::Store& store, const store::InviteClaim& claim,
                                  const std::string& email);

struct InviteTerms {
  std::string cluster_id;  // empty: a platform (sign-up) invite
  std::int64_t max_uses = 1;
  std::int64_t expires_in_s = 7 * 24 * 3600;
};
// Audited as invite.created; the code is shown once.
store::Result<IssuedSecret> issue_invite(store::Store& store, const std::string& creator_id,
                                         const InviteTerms& terms);

}  // namespace potluck::coordinator
