#pragma once
// Invite codes and node tokens are made, listed and revoked the same way for
// the platform, a provider and a cluster: only the API path differs
// ("/api/invites" or "/api/clusters/ID/invites", "/api/node-tokens" or
// "/api/clusters/ID/node-tokens"). `command` names the CLI command in errors.
#include "cli/api_output.h"

#include <cstdint>
#include <string>

namespace potluck::cli {

struct InviteFlags {
  std::int64_t max_uses = 0;      // 0: the coordinator's default (1)
  std::int64_t expires_in_s = 0;  // 0: the coordinator's default (7 days)
};
void add_invite_flags(CLI::App* cmd, InviteFlags& flags);

int create_invite(const ApiOptions& api, const std::string& path, const InviteFlags& flags, std::string_view command);
int list_invites(const ApiOptions& api, const std::string& path, std::string_view command);

int create_node_token(const ApiOptions& api, const std::string& path, const std::string& name,
                      std::string_view command);
int list_node_tokens(const ApiOptions& api, const std::string& path, std::string_view command);
// DELETE path/id; prints "revoked <what> <id>".
int revoke_credential(const ApiOptions& api, const std::string& path, const std::string& id, std::string_view what,
                      std::string_view command);

}  // namespace potluck::cli
