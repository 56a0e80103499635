#pragma once
// What the node tells the coordinator about the machine in its hello.
#include <string>

namespace potluck::node {

struct HostInfo {
  std::string os;        // uname sysname, lowercase ("linux")
  std::string arch;      // uname machine ("x86_64", "aarch64")
  std::string hostname;  // default node name
};

HostInfo host_info();

}  // namespace potluck::node
