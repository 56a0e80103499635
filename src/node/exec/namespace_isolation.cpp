#include "node/exec/namespace_isolation.h"

#include "node/exec/supervisor.h"

#include <cerrno>
#include <expected>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace potluck::node::exec {
namespace fs = std::filesystem;
namespace {

// The new root is built on a tmpfs mounted here, inside our private mount
// namespace (the host's /tmp is untouched).
constexpr const char* kNewRoot = "/tmp";

using Step = std::expected<void, std::string>;

std::unexpected<std::string> failure(std::string_view what, const std::string& where = {}) {
  std::string message(what);
  if (!where.empty()) message += " " + where;
  return std::unexpected(message + ": " + std::strerror(errno));
}

bool write_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// Mount flags a bind inherits from its source and may not drop inside a user
// namespace (the kernel locks them).
unsigned long locked_flags(const std::string& path) {
  struct statvfs info{};
  if (::statvfs(path.c_str(), &info) != 0) return 0;
  unsigned long flags = 0;
  if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (info.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

// Creates the mount point: a directory, or an empty file for a file source.
Step make_mount_point(const std::string& source, const std::string& target) {
  std::error_code ec;
  if (source.empty() || fs::is_directory(source, ec)) {
    fs::create_directories(target, ec);
    if (ec) return failure("mkdir", target);
    return {};
  }
  fs::create_directories(fs::path(target).parent_path(), ec);
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return failure("create", target);
  ::close(fd);
  return {};
}

Step bind_read_only(const std::string& source, const std::string& target) {
  if (auto made = make_mount_point(source, target); !made) return made;
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return failure("bind", source);
  const unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | locked_flags(source);
  if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0) return failure("remount read-only", source);
  return {};
}

Step mount_tmpfs(const std::string& target, std::int64_t size_bytes, std::string_view mode) {
  if (auto made = make_mount_point({}, target); !made) return made;
  const std::string options = "mode=" + std::string(mode) + ",size=" + std::to_string(size_bytes);
  if (::mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
    return failure("tmpfs", target);
  return {};
}

Step mount_dev(const std::string& target) {
  if (auto made = mount_tmpfs(target, 64 * 1024, "0755"); !made) return made;
  for (const auto& device : sandbox_devices()) {
    const std::string node = target + device.substr(4);  // "/dev/null" -> <target>/null
    if (auto bound = make_mount_point(device, node); !bound) return bound;
    if (::mount(device.c_str(), node.c_str(), nullptr, MS_BIND, nullptr) != 0) return failure("bind", device);
  }
  const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (const auto& [to, name] : links)
    if (::symlink(to, (target + "/" + name).c_str()) != 0) return failure("symlink", name);
  return {};
}

Step apply(const Mount& m) {
  const std::string target = std::string(kNewRoot) + m.target;
  switch (m.kind) {
    case Mount::Kind::read_only:
      return bind_read_only(m.source, target);
    case Mount::Kind::symlink:
      if (::symlink(m.source.c_str(), target.c_str()) != 0) return failure("symlink", m.target);
      return {};
    case Mount::Kind::tmpfs:
      return mount_tmpfs(target, m.size_bytes, m.target == "/tmp" ? "1777" : "0755");
    case Mount::Kind::proc:
      if (auto made = make_mount_point({}, target); !made) return made;
      if (::mount("proc", target.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        return failure("mount proc");
      return {};
    case Mount::Kind::dev:
      return mount_dev(target);
  }
  return {};
}

Step build_root(const std::vector<Mount>& layout) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return failure("make / private");
  if (auto root = mount_tmpfs(kNewRoot, 1024 * 1024, "0755"); !root) return root;
  for (const auto& m : layout)
    if (auto done = apply(m); !done) return done;
  if (::chdir(kNewRoot) != 0) return failure("chdir to the new root");
  // pivot_root(".", ".") stacks the old root under the new one; detaching
  // it leaves only the new root visible.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return failure("pivot_root");
  if (::umount2(".", MNT_DETACH) != 0) return failure("detach the old root");
  if (::chdir("/") != 0) return failure("chdir /");
  if (::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
    return failure("remount / read-only");
  constexpr std::string_view host = "potluck-sandbox";
  ::sethostname(host.data(), host.size());
  if (::chdir(std::string(kWorkDir).c_str()) != 0) return failure("chdir to the work directory");
  return {};
}

// Maps the namespace's root to our own uid and gid outside, nothing else.
bool write_id_maps(pid_t child, uid_t uid, gid_t gid) {
  const std::string proc = "/proc/" + std::to_string(child);
  return write_file(proc + "/setgroups", "deny") &&
         write_file(proc + "/uid_map", "0 " + std::to_string(uid) + " 1\n") &&
         write_file(proc + "/gid_map", "0 " + std::to_string(gid) + " 1\n");
}

}  // namespace

int run_in_namespaces(const std::vector<Mount>& layout, const std::function<int()>& inside) {
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) {
    report_setup_failure("pipe failed");
    return 1;
  }
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  constexpr unsigned long kFlags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                                   CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
  // The raw call forks: the child continues here with its own copy of memory.
  const pid_t child = static_cast<pid_t>(::syscall(SYS_clone, kFlags, nullptr, nullptr, nullptr, nullptr));
  if (child < 0) {
    report_setup_failure(std::string("creating namespaces failed (are user namespaces enabled?): ") +
                         std::strerror(errno));
    return 1;
  }
  if (child == 0) {
    ::close(sync[1]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    char go = 0;
    if (::read(sync[0], &go, 1) != 1 || go != 'g') ::_exit(1);
    ::close(sync[0]);
    if (auto built = build_root(layout); !built) {
      report_setup_failure("building the sandbox's file system failed: " + built.error());
      ::_exit(1);
    }
    ::_exit(inside());
  }
  ::close(sync[0]);
  const bool mapped = write_id_maps(child, uid, gid);
  if (mapped) (void)!::write(sync[1], "g", 1);
  ::close(sync[1]);
  if (!mapped) report_setup_failure(std::string("writing the user namespace's id maps failed: ") + std::strerror(errno));
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace potluck::node::exec
