#include "node/exec/sandbox_exec.h"

#include "node/exec/bwrap_isolation.h"
#include "node/exec/hardening.h"
#include "node/exec/namespace_isolation.h"
#include "node/exec/sandbox_spec.h"
#include "node/exec/supervisor.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace potluck::node::exec {
namespace {

[[noreturn]] void exec_bwrap(const std::string& bwrap, const std::vector<Mount>& layout) {
  // Opened before anything else: bwrap binds the binary from this descriptor,
  // so the sandbox needs no path to it.
  const int self = ::open("/proc/self/exe", O_PATH);
  if (self < 0) {
    report_setup_failure("cannot open the potluck binary for bubblewrap");
    ::_exit(1);
  }
  const auto args = bwrap_arguments(bwrap, layout, self);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  report_setup_failure(std::string("cannot start bubblewrap: ") + std::strerror(errno));
  ::_exit(1);
}

}  // namespace

int sandbox_exec_main(const SandboxExecOptions& options) {
  // Only the six descriptors of the contract cross into the sandbox.
  ::close_range(kStopFd + 1, ~0U, 0);
  if (options.isolation == "inside") return supervise();

  if (::geteuid() == 0) {
    if (auto left = leave_root(); !left) {
      report_setup_failure("leaving root failed: " + left.error());
      return 1;
    }
  }
  // If the node dies, so does the sandbox (set after leave_root, which clears it).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);

  const auto layout = sandbox_layout(options.tmpfs_mb);
  if (options.isolation == "bwrap") {
    const auto bwrap = find_bwrap();
    if (!bwrap) {
      report_setup_failure("bubblewrap is not installed");
      return 1;
    }
    exec_bwrap(*bwrap, layout);
  }
  if (options.isolation != "namespaces") {
    report_setup_failure("unknown isolation");
    return 1;
  }
  return run_in_namespaces(layout, [] { return supervise(); });
}

}  // namespace potluck::node::exec
