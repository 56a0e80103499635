#include "node/host_info.h"

#include "common/strings.h"

#include <sys/utsname.h>

namespace potluck::node {

HostInfo host_info() {
  HostInfo info{"unknown", "unknown"};
  struct utsname names {};
  if (::uname(&names) == 0) {
    info.os = to_lower(names.sysname);
    info.arch = names.machine;
  }
  return info;
}

}  // namespace potluck::node
