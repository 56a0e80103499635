#pragma once
// Turns the user's NodeConfig into what a Session needs, checking it once at
// start-up so that mistakes are fatal there and not retried forever.
#include "node/daemon.h"
#include "node/host_info.h"
#include "node/node_identity.h"
#include "node/session.h"

#include <expected>
#include <string>

namespace potluck::node {

inline constexpr std::string_view kConnectPath = "/v1/nodes/connect";

// `path` of the coordinator URL + "/v1/nodes/connect" (unless already there).
std::string connect_target(std::string_view path);

std::expected<SessionSettings, std::string> build_session_settings(const NodeConfig& config,
                                                                   const HostInfo& host,
                                                                   NodeIdentity identity);

}  // namespace potluck::node
