#include "node/host_info.h"

#include "common/strings.h"

#include <sys/utsname.h>
#include <unistd.h>

namespace potluck::node {

HostInfo host_info() {
  HostInfo info{"unknown", "unknown", "node"};
  struct utsname names {};
  if (::uname(&names) == 0) {
    info.os = to_lower(names.sysname);
    info.arch = names.machine;
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') info.hostname = host;
  return info;
}

}  // namespace potluck::node
