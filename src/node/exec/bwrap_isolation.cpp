#include "node/exec/bwrap_isolation.h"

#include <unistd.h>

namespace potluck::node::exec {

std::optional<std::string> find_bwrap() {
  for (const char* path : {"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"})
    if (::access(path, X_OK) == 0) return std::string(path);
  return std::nullopt;
}

std::vector<std::string> bwrap_arguments(const std::string& bwrap, const std::vector<Mount>& layout, int self_fd) {
  std::vector<std::string> argv{bwrap,        "--unshare-all", "--unshare-user", "--die-with-parent",
                                "--cap-drop", "ALL",           "--hostname",     "potluck-sandbox",
                                "--clearenv"};
  for (const auto& m : layout) {
    switch (m.kind) {
      case Mount::Kind::read_only:
        argv.insert(argv.end(), {"--ro-bind", m.source, m.target});
        break;
      case Mount::Kind::symlink:
        argv.insert(argv.end(), {"--symlink", m.source, m.target});
        break;
      case Mount::Kind::tmpfs:
        argv.insert(argv.end(), {"--perms", m.target == "/tmp" ? "1777" : "0755", "--size",
                                 std::to_string(m.size_bytes), "--tmpfs", m.target});
        break;
      case Mount::Kind::proc:
        argv.insert(argv.end(), {"--proc", m.target});
        break;
      case Mount::Kind::dev:
        argv.insert(argv.end(), {"--dev", m.target});
        break;
    }
  }
  argv.insert(argv.end(), {"--ro-bind-fd", std::to_string(self_fd), std::string(kPotluckInside), "--remount-ro", "/",
                           "--chdir", std::string(kWorkDir), "--", std::string(kPotluckInside), "sandbox-exec",
                           "--inside"});
  return argv;
}

}  // namespace potluck::node::exec
