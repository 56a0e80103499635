#pragma once
// Code execution on the wire (docs/protocol.md, "exec jobs"): the consumer's
// request as both the coordinator (to validate) and the node (to run) read it,
// the output pieces a node streams as chunk deltas, and the result that ends
// the job in its `done` frame.
#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::protocol {

// Every language the network knows (a node offers those it has installed).
inline constexpr std::array<std::string_view, 5> kExecLanguages{"python3", "node", "bash", "c", "c++"};
bool is_known_language(std::string_view name);

struct ExecFile {
  std::string path;  // relative to the work directory, no "..", no leading "/"
  std::string content;
};

// POST /v1/exec body. Unknown fields are ignored.
struct ExecRequest {
  std::string language;
  std::string source;
  std::string stdin_data;
  std::vector<std::string> args;
  std::vector<ExecFile> files;
  std::int64_t timeout_ms = 0;  // 0: the node's default
  std::int64_t memory_mb = 0;   // 0: the node's default
  bool stream = false;
  std::string cluster;          // where to run: a cluster id, "public", or empty (the key's binding)
};

// Absolute bounds any request must respect (a node may allow less: it then
// runs the program with its own maximum).
inline constexpr std::int64_t kMaxExecTimeoutMs = 300'000;
inline constexpr std::int64_t kMinExecMemoryMb = 16;
inline constexpr std::int64_t kMaxExecMemoryMb = 65'536;
inline constexpr std::size_t kMaxExecFiles = 64;
inline constexpr std::size_t kMaxExecArgs = 256;
inline constexpr std::size_t kMaxExecPathBytes = 200;
// Most processes a node may say one program can run (hello exec.max_processes).
inline constexpr std::int64_t kMaxExecProcesses = 4096;

// The error names the field, never its value.
std::expected<ExecRequest, std::string> parse_exec_request(std::string_view body);

// A relative path that stays inside the work directory: no empty, "." or
// ".." segments, no leading slash, no NUL.
bool is_safe_relative_path(std::string_view path);

// One piece of a program's output, as carried in a chunk's delta:
// {"stream":"stdout"|"stderr","data":"..."} (data is valid UTF-8).
struct ExecOutput {
  std::string stream;
  std::string data;
};
std::string encode_exec_output(std::string_view stream, std::string_view data);
std::optional<ExecOutput> decode_exec_output(std::string_view delta);

// How a program ended: in the `done` frame's "exec" object and in the
// consumer's response.
struct ExecResult {
  int exit_code = -1;          // -1 when ended by a signal
  int signal = 0;              // the terminating signal, 0 if none
  std::int64_t duration_ms = 0;  // wall clock of the program's run
  std::int64_t cpu_ms = 0;       // user + system CPU of the program
  std::int64_t max_rss_kb = 0;
  bool timed_out = false;      // stopped at its wall-clock or CPU limit
  bool truncated = false;      // output passed the limit: cut and the program stopped
  bool compile_error = false;  // the compiler failed; the program never ran
};
void write_exec_result(boost::json::object& out, const ExecResult& result);
// Reads the fields present; absent ones keep their defaults.
ExecResult read_exec_result(const boost::json::object& in);

}  // namespace potluck::protocol
