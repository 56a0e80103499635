#include "node/exec/supervisor.h"

#include "node/exec/hardening.h"
#include "node/exec/sandbox_spec.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace potluck::node::exec {
namespace {

using Clock = std::chrono::steady_clock;

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

void report(const StepReport& step) {
  write_all(kReportFd, encode_report(step));
  ::close(kReportFd);
}

// Writes the files relative to the work directory (the current one).
std::expected<void, std::string> write_files(const std::vector<protocol::ExecFile>& files) {
  for (const auto& file : files) {
    if (!protocol::is_safe_relative_path(file.path)) return std::unexpected("a file path leaves the work directory");
    const std::filesystem::path path(file.path);
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    const int fd = ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return std::unexpected("cannot create a file in the work directory");
    const bool written = write_all(fd, file.content);
    ::close(fd);
    if (!written) return std::unexpected("cannot write a file in the work directory (too large?)");
  }
  return {};
}

void set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit limit{soft, hard};
  ::setrlimit(resource, &limit);
}

void apply_limits(const StepLimits& l) {
  constexpr rlim_t kMiB = 1024 * 1024;
  // SIGXCPU at the soft limit, SIGKILL one second later.
  set_limit(RLIMIT_CPU, static_cast<rlim_t>(l.cpu_s), static_cast<rlim_t>(l.cpu_s + 1));
  set_limit(RLIMIT_DATA, static_cast<rlim_t>(l.memory_mb) * kMiB, static_cast<rlim_t>(l.memory_mb) * kMiB);
  set_limit(RLIMIT_NPROC, static_cast<rlim_t>(l.processes), static_cast<rlim_t>(l.processes));
  set_limit(RLIMIT_FSIZE, static_cast<rlim_t>(l.file_size_mb) * kMiB, static_cast<rlim_t>(l.file_size_mb) * kMiB);
  set_limit(RLIMIT_NOFILE, static_cast<rlim_t>(l.open_files), static_cast<rlim_t>(l.open_files));
  set_limit(RLIMIT_CORE, 0, 0);
  set_limit(RLIMIT_MEMLOCK, 0, 0);
}

// In the forked child: becomes the leader of its own session (so one kill
// reaches everything it starts), takes its limits and becomes the program.
[[noreturn]] void exec_step(const std::vector<std::string>& argv, const StepLimits& limits, bool with_stdin) {
  ::setsid();
  if (!with_stdin) {
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
  }
  ::close(kSpecFd);
  ::close(kReportFd);
  ::close(kStopFd);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
  char home[] = "HOME=/work";
  char tmp[] = "TMPDIR=/tmp";
  char lang[] = "LANG=C.UTF-8";
  char* env[] = {path, home, tmp, lang, nullptr};
  apply_limits(limits);
  ::execve(args[0], args.data(), env);
  constexpr std::string_view message = "potluck sandbox: cannot start the program\n";
  write_all(2, message);
  ::_exit(127);
}

// How the wait for a step ended.
enum class StepEnd { exited, timed_out, stopped };

// The stop fd, or -1 when the node passed none (poll skips negative fds).
int stop_fd() { return ::fcntl(kStopFd, F_GETFD) >= 0 ? kStopFd : -1; }

// Waits up to `wait_ms` for `pid` to exit (it stays a zombie until wait4) or
// the node to close the stop pipe; nothing when neither happened yet.
std::optional<StepEnd> wait_a_while(pid_t pid, int pidfd, int stop, int wait_ms) {
  if (pidfd < 0) {
    // Kernels before 5.3 have no pidfd: poll the child's state.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
      return StepEnd::exited;
    wait_ms = std::min(wait_ms, 10);
  }
  pollfd fds[2] = {{pidfd, POLLIN, 0}, {stop, POLLIN, 0}};
  if (::poll(fds, 2, wait_ms) <= 0) return std::nullopt;
  if (fds[0].revents != 0) return StepEnd::exited;
  if (fds[1].revents != 0) return StepEnd::stopped;  // POLLHUP: the node closed its end
  return std::nullopt;
}

// Waits for `pid` until `timeout_ms` or a stop, then kills its whole session.
StepEnd wait_or_kill(pid_t pid, std::int64_t timeout_ms, int stop) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  StepEnd end = StepEnd::timed_out;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    const auto waited = wait_a_while(pid, pidfd, stop, static_cast<int>(std::min<std::int64_t>(left, 1000)));
    if (waited) {
      end = *waited;
      break;
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  if (end != StepEnd::exited) ::kill(-pid, SIGKILL);
  return end;
}

protocol::ExecResult run_step(const std::vector<std::string>& argv, const StepLimits& limits, bool with_stdin,
                              int stop) {
  const auto started = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) exec_step(argv, limits, with_stdin);
  protocol::ExecResult result;
  if (pid < 0) return result;
  const StepEnd end = wait_or_kill(pid, limits.timeout_ms, stop);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  // Whatever the program left running in its session goes with it.
  ::kill(-pid, SIGKILL);
  result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  result.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  // A program the node stopped did not run out of time, whatever it used.
  result.timed_out = end == StepEnd::timed_out ||
                     (end == StepEnd::exited && (result.signal == SIGXCPU ||
                                                 (result.signal == SIGKILL && result.cpu_ms / 1000 >= limits.cpu_s)));
  return result;
}

}  // namespace

void report_setup_failure(std::string_view why) {
  StepReport step{"setup", {}, std::string(why)};
  report(step);
}

int supervise() {
  ::close_range(kStopFd + 1, ~0U, 0);
  // Not dumpable: the program (same uid) cannot open /proc/<us>/mem to
  // tamper with the report. Its own exec makes it dumpable again.
  ::prctl(PR_SET_DUMPABLE, 0);
  if (auto dropped = drop_capabilities(); !dropped) {
    report_setup_failure("dropping capabilities failed: " + dropped.error());
    return 1;
  }
  if (auto filtered = install_seccomp_filter(); !filtered) {
    report_setup_failure("installing the seccomp filter failed: " + filtered.error());
    return 1;
  }
  auto spec = decode_spec(read_all(kSpecFd));
  ::close(kSpecFd);
  if (!spec) {
    report_setup_failure(spec.error());
    return 1;
  }
  ::umask(022);
  if (auto written = write_files(spec->files); !written) {
    report_setup_failure(written.error());
    return 1;
  }
  const int stop = stop_fd();
  if (!spec->compile.empty()) {
    // Stopped while compiling: reported as a failed compile, with its CPU.
    auto compiled = run_step(spec->compile, spec->compile_limits, false, stop);
    if (compiled.exit_code != 0) {
      compiled.compile_error = true;
      report({"compile", compiled, {}});
      return 0;
    }
  }
  report({"run", run_step(spec->run, spec->run_limits, true, stop), {}});
  return 0;
}

}  // namespace potluck::node::exec
