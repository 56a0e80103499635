#include "protocol/exec.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::protocol {
namespace json = boost::json;

namespace {

using Error = std::unexpected<std::string>;

Error field_error(std::string_view field, std::string_view what) {
  return Error("'" + std::string(field) + "' " + std::string(what));
}

std::expected<std::string, std::string> optional_string(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string()) return field_error(key, "must be a string");
  return std::string(v->get_string());
}

std::expected<std::int64_t, std::string> optional_integer(const json::object& obj, std::string_view key,
                                                          std::int64_t min, std::int64_t max) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return 0;
  if (!v->is_int64() && !v->is_uint64()) return field_error(key, "must be an integer");
  const auto n = v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), INT64_MAX));
  if (n < min || n > max)
    return field_error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

std::expected<std::vector<std::string>, std::string> read_args(const json::object& obj) {
  std::vector<std::string> args;
  const auto* v = obj.if_contains("args");
  if (!v || v->is_null()) return args;
  if (!v->is_array()) return field_error("args", "must be an array of strings");
  if (v->get_array().size() > kMaxExecArgs)
    return field_error("args", "may hold at most " + std::to_string(kMaxExecArgs) + " entries");
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return field_error("args", "must be an array of strings");
    args.emplace_back(item.get_string());
    if (args.back().find('\0') != std::string::npos) return field_error("args", "must not contain NUL");
  }
  return args;
}

std::expected<std::vector<ExecFile>, std::string> read_files(const json::object& obj) {
  std::vector<ExecFile> files;
  const auto* v = obj.if_contains("files");
  if (!v || v->is_null()) return files;
  if (!v->is_array()) return field_error("files", "must be an array of {path, content}");
  if (v->get_array().size() > kMaxExecFiles)
    return field_error("files", "may hold at most " + std::to_string(kMaxExecFiles) + " entries");
  for (const auto& item : v->get_array()) {
    if (!item.is_object()) return field_error("files", "entries must be objects {path, content}");
    const auto& entry = item.get_object();
    auto path = optional_string(entry, "path");
    auto content = optional_string(entry, "content");
    if (!path) return field_error("files[].path", "must be a string");
    if (!content) return field_error("files[].content", "must be a string");
    if (!is_safe_relative_path(*path))
      return field_error("files[].path", "must be a relative path inside the work directory");
    files.push_back({std::move(*path), std::move(*content)});
  }
  return files;
}

}  // namespace

bool is_known_language(std::string_view name) {
  return std::find(kExecLanguages.begin(), kExecLanguages.end(), name) != kExecLanguages.end();
}

bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.size() > kMaxExecPathBytes || path.front() == '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const auto segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

std::expected<ExecRequest, std::string> parse_exec_request(std::string_view body) {
  boost::system::error_code ec;
  auto value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return Error("the body is not valid JSON");
  if (!value.is_object()) return Error("the body must be a JSON object");
  const auto& obj = value.get_object();

  ExecRequest request;
  auto language = optional_string(obj, "language");
  if (!language) return Error(language.error());
  if (language->empty()) return field_error("language", "is required");
  request.language = std::move(*language);
  auto source = optional_string(obj, "source");
  if (!source) return Error(source.error());
  request.source = std::move(*source);
  auto stdin_data = optional_string(obj, "stdin");
  if (!stdin_data) return Error(stdin_data.error());
  request.stdin_data = std::move(*stdin_data);
  auto args = read_args(obj);
  if (!args) return Error(args.error());
  request.args = std::move(*args);
  auto files = read_files(obj);
  if (!files) return Error(files.error());
  request.files = std::move(*files);
  if (request.source.empty() && request.files.empty()) return field_error("source", "is required (or files)");
  auto timeout = optional_integer(obj, "timeout_ms", 1, kMaxExecTimeoutMs);
  if (!timeout) return Error(timeout.error());
  request.timeout_ms = *timeout;
  auto memory = optional_integer(obj, "memory_mb", kMinExecMemoryMb, kMaxExecMemoryMb);
  if (!memory) return Error(memory.error());
  request.memory_mb = *memory;
  auto cluster = optional_string(obj, "cluster");
  if (!cluster) return Error(cluster.error());
  request.cluster = std::move(*cluster);
  if (const auto* stream = obj.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) return field_error("stream", "must be a boolean");
    request.stream = stream->get_bool();
  }
  return request;
}

std::string encode_exec_output(std::string_view stream, std::string_view data) {
  return json::serialize(json::object{{"stream", stream}, {"data", json::string_view(data.data(), data.size())}});
}

std::optional<ExecOutput> decode_exec_output(std::string_view delta) {
  boost::system::error_code ec;
  auto value = json::parse(json::string_view(delta.data(), delta.size()), ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& obj = value.get_object();
  const auto* stream = obj.if_contains("stream");
  const auto* data = obj.if_contains("data");
  if (!stream || !stream->is_string() || !data || !data->is_string()) return std::nullopt;
  return ExecOutput{std::string(stream->get_string()), std::string(data->get_string())};
}

void write_exec_result(json::object& out, const ExecResult& r) {
  out["exit_code"] = r.exit_code;
  out["signal"] = r.signal;
  out["duration_ms"] = r.duration_ms;
  out["cpu_ms"] = r.cpu_ms;
  out["max_rss_kb"] = r.max_rss_kb;
  out["timed_out"] = r.timed_out;
  out["truncated"] = r.truncated;
  out["compile_error"] = r.compile_error;
}

ExecResult read_exec_result(const json::object& in) {
  ExecResult r;
  auto integer = [&in](std::string_view key, std::int64_t fallback) {
    const auto* v = in.if_contains(key);
    return v && v->is_int64() ? v->get_int64() : fallback;
  };
  auto flag = [&in](std::string_view key) {
    const auto* v = in.if_contains(key);
    return v && v->is_bool() && v->get_bool();
  };
  r.exit_code = static_cast<int>(integer("exit_code", -1));
  r.signal = static_cast<int>(integer("signal", 0));
  r.duration_ms = integer("duration_ms", 0);
  r.cpu_ms = integer("cpu_ms", 0);
  r.max_rss_kb = integer("max_rss_kb", 0);
  r.timed_out = flag("timed_out");
  r.truncated = flag("truncated");
  r.compile_error = flag("compile_error");
  return r;
}

}  // namespace potluck::protocol
