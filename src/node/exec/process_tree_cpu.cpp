#include "node/exec/process_tree_cpu.h"

#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace potluck::node::exec {
namespace {

struct ProcessCpu {
  pid_t pid = 0;
  pid_t parent = 0;
  std::int64_t ticks = 0;  // utime + stime + cutime + cstime
};

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Parses /proc/<pid>/stat. The name (field 2) is in parentheses and may hold
// anything, spaces and ')' included, so fields are counted from the last ')'.
std::optional<ProcessCpu> read_process(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[1024];
  const auto n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  const std::string_view stat(buffer, static_cast<std::size_t>(n));
  const auto name_end = stat.rfind(')');
  if (name_end == std::string_view::npos) return std::nullopt;
  // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
  std::vector<std::string_view> fields;
  std::size_t at = name_end + 1;
  while (fields.size() < 15 && at < stat.size()) {
    while (at < stat.size() && stat[at] == ' ') ++at;
    const auto end = std::min(stat.find(' ', at), stat.size());
    if (end > at) fields.push_back(stat.substr(at, end - at));
    at = end;
  }
  if (fields.size() < 15) return std::nullopt;
  ProcessCpu process{pid};
  const auto parent = number(fields[1]);
  if (!parent) return std::nullopt;
  process.parent = static_cast<pid_t>(*parent);
  for (std::size_t field = 11; field <= 14; ++field) {
    const auto ticks = number(fields[field]);
    if (!ticks || *ticks < 0) return std::nullopt;
    process.ticks += *ticks;
  }
  return process;
}

std::vector<ProcessCpu> all_processes() {
  std::vector<ProcessCpu> processes;
  DIR* proc = ::opendir("/proc");
  if (!proc) return processes;
  while (const dirent* entry = ::readdir(proc)) {
    const auto pid = number(entry->d_name);
    if (!pid || *pid <= 0) continue;
    if (auto process = read_process(static_cast<pid_t>(*pid))) processes.push_back(*process);
  }
  ::closedir(proc);
  return processes;
}

// `root` and its live descendants, root first (empty when `root` is gone).
std::vector<ProcessCpu> tree_of(pid_t root) {
  const auto processes = all_processes();
  std::vector<ProcessCpu> tree;
  for (const auto& process : processes)
    if (process.pid == root) tree.push_back(process);
  // Breadth first: `tree` grows while it is walked.
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (const auto& process : processes)
      if (process.parent == tree[i].pid && process.pid != root) tree.push_back(process);
  return tree;
}

}  // namespace

std::vector<pid_t> process_tree(pid_t root) {
  std::vector<pid_t> pids;
  for (const auto& process : tree_of(root)) pids.push_back(process.pid);
  return pids;
}

std::int64_t process_tree_cpu_ms(pid_t root) {
  std::int64_t ticks = 0;
  for (const auto& process : tree_of(root)) ticks += process.ticks;
  const long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? ticks * 1000 / hz : 0;
}

}  // namespace potluck::node::exec
