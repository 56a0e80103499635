#include "node/exec/sandbox_layout.h"

#include <filesystem>

namespace potluck::node::exec {
namespace fs = std::filesystem;

namespace {

// System trees: on merged-/usr hosts /bin, /lib… are symlinks into /usr and
// are recreated as such; elsewhere they are mounted read-only.
constexpr std::string_view kSystemDirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
// What the dynamic loader and compilers read from /etc. Not passwd, shadow,
// hosts or anything else of the host's configuration.
constexpr std::string_view kEtcEntries[] = {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                                            "/etc/alternatives", "/etc/localtime"};

}  // namespace

const std::vector<std::string>& sandbox_devices() {
  static const std::vector<std::string> devices{"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                                "/dev/urandom"};
  return devices;
}

std::vector<Mount> sandbox_layout(std::int64_t tmpfs_mb) {
  std::vector<Mount> mounts;
  std::error_code ec;
  for (auto dir : kSystemDirs) {
    const fs::path path(dir);
    if (fs::is_symlink(path, ec))
      mounts.push_back({Mount::Kind::symlink, fs::read_symlink(path, ec).string(), path.string()});
    else if (fs::is_directory(path, ec))
      mounts.push_back({Mount::Kind::read_only, path.string(), path.string()});
  }
  for (auto entry : kEtcEntries)
    if (fs::exists(fs::path(entry), ec)) mounts.push_back({Mount::Kind::read_only, std::string(entry), std::string(entry)});
  const std::int64_t bytes = tmpfs_mb * 1024 * 1024;
  mounts.push_back({Mount::Kind::dev, "", "/dev"});
  mounts.push_back({Mount::Kind::proc, "", "/proc"});
  mounts.push_back({Mount::Kind::tmpfs, "", std::string(kWorkDir), bytes});
  mounts.push_back({Mount::Kind::tmpfs, "", "/tmp", bytes});
  return mounts;
}

}  // namespace potluck::node::exec
