#include "protocol/exec.h"
#include "protocol/frames.h"

#include <gtest/gtest.h>

using namespace potluck::protocol;

TEST(ExecRequest, ParsesEveryField) {
  auto r = parse_exec_request(
      R"J({"language":"python3","source":"print(1)","stdin":"in","args":["a","b"],"timeout_ms":500,)J"
      R"J("memory_mb":64,"files":[{"path":"d/x.txt","content":"x"}],"stream":true,"cluster":"cl_1","unknown":1})J");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->language, "python3");
  EXPECT_EQ(r->source, "print(1)");
  EXPECT_EQ(r->stdin_data, "in");
  EXPECT_EQ(r->args, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->timeout_ms, 500);
  EXPECT_EQ(r->memory_mb, 64);
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, "d/x.txt");
  EXPECT_TRUE(r->stream);
  EXPECT_EQ(r->cluster, "cl_1");
}

TEST(ExecRequest, ErrorsNameTheFieldNotTheValue) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"source":"x"})", "language"},
      {R"({"language":"python3"})", "source"},
      {R"({"language":"python3","source":"x","timeout_ms":0})", "timeout_ms"},
      {R"({"language":"python3","source":"x","timeout_ms":300001})", "timeout_ms"},
      {R"({"language":"python3","source":"x","memory_mb":"big"})", "memory_mb"},
      {R"({"language":"python3","source":"x","args":"secretvalue"})", "args"},
      {R"({"language":"python3","source":"x","args":[1]})", "args"},
      {R"({"language":"python3","source":"x","files":[{"path":"../secretvalue","content":""}]})", "path"},
      {R"({"language":"python3","source":"x","stream":"yes"})", "stream"},
      {R"({"language":"python3","source":"x","cluster":7})", "cluster"},
      {R"([1])", "object"},
      {R"({"language":)", "JSON"},
  };
  for (const auto& [body, field] : cases) {
    auto r = parse_exec_request(body);
    ASSERT_FALSE(r) << body;
    EXPECT_NE(r.error().find(field), std::string::npos) << body << " -> " << r.error();
    EXPECT_EQ(r.error().find("secretvalue"), std::string::npos) << r.error();
  }
}

TEST(ExecRequest, FilesAloneAreEnough) {
  EXPECT_TRUE(parse_exec_request(R"({"language":"c","files":[{"path":"main.c","content":"int main(){}"}]})"));
}

TEST(ExecRequest, SafeRelativePaths) {
  for (const char* ok : {"a", "a/b.txt", "dir/sub/x.py", ".hidden"}) EXPECT_TRUE(is_safe_relative_path(ok)) << ok;
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/.", "a/"})
    EXPECT_FALSE(is_safe_relative_path(bad)) << bad;
  EXPECT_FALSE(is_safe_relative_path(std::string("a\0b", 3)));
  EXPECT_FALSE(is_safe_relative_path(std::string(kMaxExecPathBytes + 1, 'a')));
}

TEST(ExecOutput, RoundTrip) {
  auto text = encode_exec_output("stderr", "line \"1\"\n");
  auto back = decode_exec_output(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stream, "stderr");
  EXPECT_EQ(back->data, "line \"1\"\n");
  EXPECT_FALSE(decode_exec_output(R"({"content":"x"})"));
}

TEST(ExecResult, TravelsInTheDoneFrame) {
  Done done{"job_1"};
  done.exec = ExecResult{-1, 9, 1200, 1000, 5120, true, false, false};
  auto decoded = decode(encode(done));
  ASSERT_TRUE(decoded);
  const auto& back = std::get<Done>(*decoded);
  ASSERT_TRUE(back.exec);
  EXPECT_EQ(back.exec->exit_code, -1);
  EXPECT_EQ(back.exec->signal, 9);
  EXPECT_EQ(back.exec->duration_ms, 1200);
  EXPECT_EQ(back.exec->cpu_ms, 1000);
  EXPECT_EQ(back.exec->max_rss_kb, 5120);
  EXPECT_TRUE(back.exec->timed_out);
  EXPECT_FALSE(back.exec->truncated);
}

TEST(ExecResult, InferenceDoneFramesCarryNone) {
  auto decoded = decode(encode(Done{"job_2", {3, 4}, 10, 20}));
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(std::get<Done>(*decoded).exec);
  EXPECT_EQ(encode(Done{"job_2", {3, 4}, 10, 20}).find("exec"), std::string::npos);
}
