// A stopped exec job (cancelled, past its deadline, node draining: all fire
// the job's abort) still reports the CPU its program used, and leaves no
// process behind. Real sandboxes: this build's `potluck sandbox-exec`.
#include "node/exec/bwrap_isolation.h"
#include "node/exec/exec_runner.h"
#include "node/exec/process_tree_cpu.h"
#include "node/exec/sandbox_process.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace potluck;
using namespace potluck::node::exec;

namespace {

// Burns CPU until its own clock shows 250 ms, says so, then spins forever.
constexpr const char* kBurner = R"(import time
while time.process_time() < 0.25:
    pass
print("burned", flush=True)
while True:
    pass
)";

bool gone(pid_t pid) {
  return ::kill(pid, 0) == -1 && errno == ESRCH && ::kill(-pid, 0) == -1 && errno == ESRCH;
}

std::string command_line(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/cmdline");
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

class ExecStop : public testing::TestWithParam<Isolation> {};

TEST_P(ExecStop, ACancelledProgramReportsItsCpuAndLeavesNothing) {
  if (GetParam() == Isolation::bwrap && !find_bwrap()) GTEST_SKIP() << "bubblewrap is not installed";
  ExecSettings settings;
  settings.languages = {"python3"};
  settings.isolation = GetParam();
  settings.potluck_binary = POTLUCK_TEST_BINARY;
  settings.max.timeout_ms = protocol::kMaxExecTimeoutMs;  // the cancel, not a limit, ends it
  auto runner = ExecRunner::create(settings);
  ASSERT_TRUE(runner) << runner.error();

  protocol::ExecRequest request;
  request.language = "python3";
  request.source = kBurner;
  request.timeout_ms = protocol::kMaxExecTimeoutMs;

  net::asio::io_context io;
  net::AbortHandle abort;
  std::vector<pid_t> sandbox;  // every process of the run, seen while it burned
  pid_t program = 0;
  std::string output;
  bool cancelling = false;
  const OutputSink sink = [&](std::string_view, std::string data) {
    output += data;
    if (output.find("burned") == std::string::npos || cancelling) return;
    cancelling = true;
    // Cancelled from the event loop, as the session's `cancel` handler does.
    net::asio::post(io, [&] {
      sandbox = process_tree(::getpid());
      std::erase(sandbox, ::getpid());
      for (pid_t pid : sandbox)
        if (command_line(pid).find("main.py") != std::string::npos) program = pid;
      abort.abort();
    });
  };
  std::optional<std::expected<protocol::ExecResult, node::BackendError>> result;
  net::asio::co_spawn(io, (*runner)->run(request, sink, abort),
                      [&](std::exception_ptr error, std::expected<protocol::ExecResult, node::BackendError> r) {
                        ASSERT_FALSE(error);
                        result = std::move(r);
                      });
  io.run();

  ASSERT_TRUE(result);
  ASSERT_FALSE(*result) << "a cancelled program has no result";
  EXPECT_EQ(result->error().code, protocol::ErrorCode::cancelled);
  ASSERT_TRUE(result->error().cpu_ms);
  // The program printed only after its own clock passed 250 ms.
  EXPECT_GE(*result->error().cpu_ms, 250);
  EXPECT_LT(*result->error().cpu_ms, protocol::kMaxStoppedCpuMs);
  // Helper, supervisor and program at least.
  ASSERT_GE(sandbox.size(), 3u);
  ASSERT_NE(program, 0) << "the program was running when it was cancelled";
  // The supervisor reaped the program before it reported.
  EXPECT_TRUE(gone(program));
  // The sandbox's own processes may still be exiting (bubblewrap's outer
  // process leaves while its init tears the PID namespace down): polled.
  for (pid_t pid : sandbox) {
    for (int attempt = 0; attempt < 1000 && !gone(pid); ++attempt) ::usleep(10'000);
    EXPECT_TRUE(gone(pid)) << "process " << pid << " or its group outlived the run";
  }
}

INSTANTIATE_TEST_SUITE_P(Isolations, ExecStop, testing::Values(Isolation::namespaces, Isolation::bwrap),
                         [](const testing::TestParamInfo<Isolation>& info) {
                           return std::string(to_string(info.param));
                         });

// The fallback when a sandbox must be killed before it reports: what /proc
// shows for the whole tree, here a grandchild burning CPU under an idle child.
TEST(ProcessTreeCpu, CountsTheDescendantsOfAnIdleProcess) {
  int hold[2];
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setpgid(0, 0);  // its own group (before the grandchild), so the test can end both
    if (::fork() == 0) {
      volatile unsigned spin = 0;
      for (;;) spin = spin + 1;
    }
    ::close(hold[1]);
    char byte;
    (void)!::read(hold[0], &byte, 1);  // idle until the test closes the pipe
    ::kill(0, SIGKILL);                // takes the grandchild along (same group)
    ::_exit(0);
  }
  ::close(hold[0]);
  ::setpgid(child, child);  // also from here: whichever runs first

  std::int64_t cpu = 0;
  // Polled: the grandchild's CPU appears once the tick counter has seen it.
  for (int attempt = 0; attempt < 3000 && cpu == 0; ++attempt) {
    cpu = process_tree_cpu_ms(child);
    if (cpu == 0) ::usleep(10'000);
  }
  const auto tree = process_tree(child);
  ::kill(-child, SIGKILL);
  ::close(hold[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_GT(cpu, 0);
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(tree[0], child);
  EXPECT_TRUE(process_tree(child).empty()) << "gone once reaped";
  EXPECT_EQ(process_tree_cpu_ms(child), 0);
}

}  // namespace
