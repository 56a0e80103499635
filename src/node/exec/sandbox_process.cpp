#include "node/exec/sandbox_process.h"

#include "net/event_queue.h"
#include "node/exec/process_tree_cpu.h"
#include "node/exec/utf8_stream.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <variant>

namespace potluck::node::exec {
namespace asio = net::asio;
using Descriptor = asio::posix::stream_descriptor;

namespace {

// Pipe ends are moved above this so the child's dup2 onto 0-5 never
// overwrites an end it still has to copy.
constexpr int kHighFd = 16;

struct Pipe {
  int read = -1;
  int write = -1;
};

std::expected<Pipe, std::string> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::unexpected("pipe failed");
  Pipe p{::fcntl(fds[0], F_DUPFD_CLOEXEC, kHighFd), ::fcntl(fds[1], F_DUPFD_CLOEXEC, kHighFd)};
  ::close(fds[0]);
  ::close(fds[1]);
  if (p.read < 0 || p.write < 0) return std::unexpected("pipe failed");
  return p;
}

struct Output {
  int stream;  // 1 stdout, 2 stderr
  std::string bytes;
};
struct ReaderDone {};
struct Exited {};
using Event = std::variant<Output, ReaderDone, Exited>;

// Everything the callbacks touch lives here, owned by a shared_ptr, so a
// callback that runs after the coroutine left finds it still alive.
struct Run : std::enable_shared_from_this<Run> {
  explicit Run(asio::any_io_executor executor)
      : events(executor), out(executor), err(executor), report(executor), in(executor), spec(executor),
        stop(executor), exit_watch(executor), guard(executor), grace(executor) {}

  net::EventQueue<Event> events;
  Descriptor out, err, report, in, spec, stop, exit_watch;
  asio::steady_timer guard, grace;
  std::string report_text;
  std::string stdin_data, spec_data;
  pid_t pid = -1;
  bool exited = false;
  bool stop_requested = false;
  std::optional<std::int64_t> cpu_ms_at_kill;  // read from /proc when killed before reporting

  void kill_group() {
    if (pid > 0 && !exited) ::kill(-pid, SIGKILL);
  }

  // Kills the group when no report will come, noting first the CPU its
  // processes used (what the daemon can see from outside).
  void kill_group_measured() {
    if (pid <= 0 || exited) return;
    cpu_ms_at_kill = process_tree_cpu_ms(pid);
    kill_group();
  }

  // Closes the stop pipe: the supervisor kills the program, reaps it and
  // reports its CPU time. If the sandbox has not exited after kSandboxStopGrace, the
  // group is killed from here.
  void request_stop() {
    if (stop_requested || exited) return;
    stop_requested = true;
    net::error_code ignored;
    stop.close(ignored);
    grace.expires_after(kSandboxStopGrace);
    grace.async_wait([self = shared_from_this()](net::error_code ec) {
      if (!ec) self->kill_group_measured();
    });
  }

  void read_output(Descriptor& from, int stream) {
    auto buffer = std::make_shared<std::array<char, 16384>>();
    from.async_read_some(asio::buffer(*buffer), [self = shared_from_this(), &from, stream, buffer](
                                                     net::error_code ec, std::size_t n) {
      if (n > 0) self->events.push(Output{stream, std::string(buffer->data(), n)});
      if (ec) {
        self->events.push(ReaderDone{});
        return;
      }
      self->read_output(from, stream);
    });
  }

  void read_report() {
    auto buffer = std::make_shared<std::array<char, 4096>>();
    report.async_read_some(asio::buffer(*buffer), [self = shared_from_this(), buffer](net::error_code ec, std::size_t n) {
      // A report is a few hundred bytes; anything far larger is not one.
      if (n > 0 && self->report_text.size() < 64 * 1024) self->report_text.append(buffer->data(), n);
      if (ec) {
        self->events.push(ReaderDone{});
        return;
      }
      self->read_report();
    });
  }

  // Writes `data` and closes; a program that does not read its stdin closes
  // the pipe early (EPIPE), which is fine.
  void feed(Descriptor& to, const std::string& data) {
    asio::async_write(to, asio::buffer(data), [self = shared_from_this(), &to](net::error_code, std::size_t) {
      net::error_code ignored;
      to.close(ignored);
    });
  }

  void watch_exit() {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
      exit_watch.assign(pidfd);
      exit_watch.async_wait(Descriptor::wait_read, [self = shared_from_this()](net::error_code) { self->reap(); });
      return;
    }
    poll_exit();  // kernels before 5.3
  }

  void poll_exit() {
    guard.expires_after(std::chrono::milliseconds(20));
    guard.async_wait([self = shared_from_this()](net::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      int status = 0;
      if (::waitpid(self->pid, &status, WNOHANG) == self->pid) return self->mark_exited();
      self->poll_exit();
    });
  }

  void reap() {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    mark_exited();
  }

  void mark_exited() {
    exited = true;
    events.push(Exited{});
  }
};

constexpr std::size_t kHelperFds = kStopFd + 1;  // 0-5, sandbox_spec.h

std::expected<pid_t, std::string> spawn_helper(const SandboxCommand& command,
                                               const std::array<int, kHelperFds>& child_fds) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int target = 0; target < static_cast<int>(kHelperFds); ++target) posix_spawn_file_actions_adddup2(&actions, child_fds[target], target);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // the daemon ignores it; programs get the default
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  const std::string tmpfs = std::to_string(command.tmpfs_mb);
  const std::string isolation(to_string(command.isolation));
  std::vector<char*> argv{const_cast<char*>(command.potluck_binary.c_str()), const_cast<char*>("sandbox-exec"),
                          const_cast<char*>("--isolation"), const_cast<char*>(isolation.c_str()),
                          const_cast<char*>("--tmpfs-mb"), const_cast<char*>(tmpfs.c_str()), nullptr};
  // An empty environment: the daemon's (its token may be there) stays out.
  char* envp[] = {nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return std::unexpected("cannot start the sandbox helper");
  return pid;
}

std::expected<std::shared_ptr<Run>, std::string> start(asio::any_io_executor executor,
                                                       const SandboxCommand& command) {
  std::array<Pipe, kHelperFds> pipes;
  for (auto& p : pipes) {
    auto made = make_pipe();
    if (!made) {
      for (auto& q : pipes)
        for (int fd : {q.read, q.write})
          if (fd >= 0) ::close(fd);
      return std::unexpected(made.error());
    }
    p = *made;
  }
  // Child side: stdin reads, stdout/stderr write, spec reads, report writes,
  // stop reads.
  const std::array<int, kHelperFds> child{pipes[0].read, pipes[1].write, pipes[2].write,
                                          pipes[3].read, pipes[4].write, pipes[5].read};
  auto run = std::make_shared<Run>(executor);
  run->in.assign(pipes[0].write);
  run->out.assign(pipes[1].read);
  run->err.assign(pipes[2].read);
  run->spec.assign(pipes[3].write);
  run->report.assign(pipes[4].read);
  run->stop.assign(pipes[5].write);
  auto pid = spawn_helper(command, child);
  for (int fd : child) ::close(fd);
  if (!pid) return std::unexpected(pid.error());
  run->pid = *pid;
  return run;
}

// Cuts `bytes` so that no more than `limit` bytes have been relayed in all.
struct OutputBudget {
  std::int64_t limit;
  std::int64_t used = 0;
  bool exceeded = false;

  std::string_view take(std::string_view bytes) {
    const auto left = std::max<std::int64_t>(0, limit - used);
    if (static_cast<std::int64_t>(bytes.size()) > left) {
      exceeded = true;
      bytes = bytes.substr(0, static_cast<std::size_t>(left));
    }
    used += static_cast<std::int64_t>(bytes.size());
    return bytes;
  }
};

}  // namespace

std::string_view to_string(Isolation isolation) {
  switch (isolation) {
    case Isolation::bwrap: return "bwrap";
    case Isolation::namespaces: return "namespaces";
    case Isolation::automatic: return "auto";
  }
  return "auto";
}

net::awaitable<std::expected<SandboxOutcome, std::string>> run_sandbox(const SandboxCommand& command,
                                                                      const SandboxInput& input,
                                                                      const OutputSink& sink,
                                                                      net::AbortHandle& abort) {
  const auto executor = co_await asio::this_coro::executor;
  auto started = start(executor, command);
  if (!started) co_return std::unexpected(started.error());
  auto run = *started;
  SandboxOutcome outcome;

  run->stdin_data = input.stdin_data;
  run->spec_data = input.spec;
  run->feed(run->spec, run->spec_data);
  run->feed(run->in, run->stdin_data);
  run->read_output(run->out, 1);
  run->read_output(run->err, 2);
  run->read_report();
  run->watch_exit();
  // Cancelled, past the deadline or draining: stopped so that it still reports.
  abort.set([run, &outcome] {
    outcome.aborted = true;
    run->request_stop();
  });
  struct ClearOnExit {
    net::AbortHandle& abort;
    std::shared_ptr<Run> run;
    ~ClearOnExit() {
      abort.clear();
      run->grace.cancel();
      run->kill_group();  // never leave a sandbox behind, whatever happened
    }
  } clear_on_exit{abort, run};
  if (abort.aborted()) {
    outcome.aborted = true;
    run->request_stop();
  }

  const auto guard_deadline = std::chrono::steady_clock::now() + input.guard;
  OutputBudget budget{input.output_limit};
  std::array<Utf8Stream, 3> text;
  int readers_open = 3;
  while (readers_open > 0 || !run->exited) {
    auto event = co_await run->events.pop_until(guard_deadline);
    if (!event) {
      // The supervisor missed its own wall clock: it is not to be trusted to stop.
      outcome.guard_fired = true;
      run->kill_group_measured();
      // Killed: the readers and the exit watch finish promptly now.
      auto rest = co_await run->events.pop_until(std::chrono::steady_clock::now() + std::chrono::seconds(5));
      if (!rest) break;
      event = std::move(rest);
    }
    if (std::holds_alternative<ReaderDone>(*event)) {
      --readers_open;
    } else if (std::holds_alternative<Exited>(*event)) {
      continue;
    } else if (auto* output = std::get_if<Output>(&*event); output && !outcome.truncated) {
      const auto kept = budget.take(output->bytes);
      auto piece = text[output->stream].feed(kept);
      if (budget.exceeded) {
        piece += text[output->stream].finish();
        outcome.truncated = true;
        run->request_stop();
      }
      if (!piece.empty()) sink(output->stream == 1 ? "stdout" : "stderr", std::move(piece));
    }
  }
  for (int stream : {1, 2}) {
    auto tail = text[stream].finish();
    if (!tail.empty() && !outcome.truncated) sink(stream == 1 ? "stdout" : "stderr", std::move(tail));
  }
  auto report = decode_report(run->report_text);
  if (report) {
    outcome.report = std::move(*report);
    co_return outcome;
  }
  if (!outcome.aborted && !outcome.guard_fired && !outcome.truncated)
    co_return std::unexpected("the sandbox ended without a report");
  // Killed before it reported: the CPU /proc showed just before the kill.
  outcome.report.phase = "run";
  outcome.report.result.cpu_ms = run->cpu_ms_at_kill.value_or(0);
  co_return outcome;
}

}  // namespace potluck::node::exec
