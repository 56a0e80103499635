#pragma once
// What the node tells the coordinator about the machine in its hello.
#include <string>

namespace potluck::node {

struct HostInfo {
  std::string os;        // uname sysname, lowercase ("linux")
  std::string arch;      // uname machine ("x86_64", "aarch64")
  // No host name: it identifies a device (the default node name is random,
  // see node_identity.h).
};

HostInfo host_info();

}  // namespace potluck::node
