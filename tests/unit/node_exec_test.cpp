#include "node/exec/exec_runner.h"
#include "node/exec/hardening.h"
#include "node/exec/languages.h"
#include "node/exec/sandbox_layout.h"
#include "node/exec/sandbox_spec.h"
#include "node/exec/utf8_stream.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace potluck;
using namespace potluck::node::exec;

TEST(ExecLanguages, EveryProtocolLanguageHasAToolchain) {
  auto names = known_language_names();
  ASSERT_EQ(names.size(), protocol::kExecLanguages.size());
  for (auto name : protocol::kExecLanguages)
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

TEST(ExecLanguages, GuessedFromTheFileName) {
  EXPECT_EQ(language_for_file("a/b/prog.py"), "python3");
  EXPECT_EQ(language_for_file("x.mjs"), "node");
  EXPECT_EQ(language_for_file("run.sh"), "bash");
  EXPECT_EQ(language_for_file("main.c"), "c");
  EXPECT_EQ(language_for_file("main.cc"), "c++");
  EXPECT_FALSE(language_for_file("Makefile"));
  EXPECT_FALSE(language_for_file("notes.txt"));
}

TEST(ExecLanguages, DetectionIsNarrowedAndResolvesRealPaths) {
  auto bash = detect_languages({"bash"});
  ASSERT_EQ(bash.size(), 1u) << "bash is installed on every supported host";
  EXPECT_EQ(bash[0].name, "bash");
  EXPECT_TRUE(bash[0].run[0].starts_with("/usr/") || bash[0].run[0].starts_with("/bin/"));
  EXPECT_EQ(bash[0].run[1], "main.sh");
  EXPECT_TRUE(bash[0].compile.empty());
  EXPECT_TRUE(detect_languages({"nonexistent"}).empty());
}

TEST(ExecSpec, LimitsAreTheNodeMaximumsOrLess) {
  Language py{"python3", "main.py", {}, {"/usr/bin/python3", "main.py"}};
  SandboxLimits max;
  max.timeout_ms = 5000;
  max.memory_mb = 128;
  protocol::ExecRequest asks_more{"python3", "print(1)", "", {"x"}, {}, 60'000, 4096};
  auto spec = build_spec(asks_more, py, max);
  EXPECT_EQ(spec.run_limits.timeout_ms, 5000);
  EXPECT_EQ(spec.run_limits.memory_mb, 128);
  EXPECT_EQ(spec.run_limits.cpu_s, 5);
  EXPECT_EQ(spec.run, (std::vector<std::string>{"/usr/bin/python3", "main.py", "x"}));
  ASSERT_EQ(spec.files.size(), 1u);
  EXPECT_EQ(spec.files[0].path, "main.py");

  protocol::ExecRequest asks_less{"python3", "print(1)", "", {}, {}, 1500, 32};
  spec = build_spec(asks_less, py, max);
  EXPECT_EQ(spec.run_limits.timeout_ms, 1500);
  EXPECT_EQ(spec.run_limits.cpu_s, 2);
  EXPECT_EQ(spec.run_limits.memory_mb, 32);
}

TEST(ExecSpec, SpecAndReportRoundTrip) {
  SandboxSpec spec;
  spec.files = {{"main.py", "print(1)"}};
  spec.compile = {"/usr/bin/gcc", "main.c"};
  spec.run = {"/tmp/program", "arg"};
  spec.run_limits.processes = 7;
  auto back = decode_spec(encode_spec(spec));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->files[0].content, "print(1)");
  EXPECT_EQ(back->compile, spec.compile);
  EXPECT_EQ(back->run, spec.run);
  EXPECT_EQ(back->run_limits.processes, 7);
  EXPECT_FALSE(decode_spec(R"({"files":[]})"));

  StepReport report{"compile", {}, ""};
  report.result.exit_code = 1;
  report.result.compile_error = true;
  auto r = decode_report(encode_report(report));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->phase, "compile");
  EXPECT_TRUE(r->result.compile_error);
  EXPECT_FALSE(decode_report("{}"));
}

TEST(ExecLayout, ShowsSystemDirsAndFreshTmpfsOnly) {
  auto layout = sandbox_layout(32);
  bool work = false;
  for (const auto& m : layout) {
    EXPECT_FALSE(m.target.starts_with("/home") || m.target.starts_with("/root") || m.target.starts_with("/var"))
        << m.target;
    EXPECT_NE(m.target, "/etc/passwd");
    EXPECT_NE(m.target, "/etc/shadow");
    if (m.target == "/work") {
      work = true;
      EXPECT_EQ(m.kind, Mount::Kind::tmpfs);
      EXPECT_EQ(m.size_bytes, 32 * 1024 * 1024);
    }
  }
  EXPECT_TRUE(work);
}

TEST(Utf8Stream, KeepsSplitCharactersWhole) {
  Utf8Stream s;
  const std::string euro = "\xE2\x82\xAC";
  EXPECT_EQ(s.feed("a" + euro.substr(0, 1)), "a");
  EXPECT_EQ(s.feed(euro.substr(1, 1)), "");
  EXPECT_EQ(s.feed(euro.substr(2) + "b"), euro + "b");
  EXPECT_EQ(s.finish(), "");
}

TEST(Utf8Stream, ReplacesInvalidBytes) {
  Utf8Stream s;
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(s.feed("x\xFFy"), "x" + replacement + "y");
  EXPECT_EQ(s.feed("\xC0\xAF"), replacement + replacement);        // overlong
  EXPECT_EQ(s.feed("\xED\xA0\x80"), replacement + replacement + replacement);  // surrogate
  EXPECT_EQ(s.feed("\xE2\x82"), "");
  EXPECT_EQ(s.finish(), replacement);  // ended mid-character
}

// The filter is installed in a forked child, which reports what the calls did.
TEST(ExecHardening, SeccompRefusesDangerousCalls) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!install_seccomp_filter()) ::_exit(10);
    if (::unshare(CLONE_NEWUSER) == 0 || errno != EPERM) ::_exit(11);
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0 || errno != EPERM) ::_exit(12);
    if (::mount("none", "/tmp", "tmpfs", 0, nullptr) == 0 || errno != EPERM) ::_exit(13);
    if (::getpid() <= 0) ::_exit(14);  // ordinary calls still work
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: no filter, 11: unshare, 12: ptrace, 13: mount, 14: getpid";
}
