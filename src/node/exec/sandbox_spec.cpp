#include "node/exec/sandbox_spec.h"

#include <boost/json.hpp>

namespace potluck::node::exec {
namespace json = boost::json;

namespace {

json::object limits_to_json(const StepLimits& l) {
  return {{"timeout_ms", l.timeout_ms}, {"cpu_s", l.cpu_s},         {"memory_mb", l.memory_mb},
          {"processes", l.processes},   {"file_size_mb", l.file_size_mb}, {"open_files", l.open_files}};
}

std::int64_t integer(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : 0;
}

StepLimits limits_from_json(const json::value* v) {
  StepLimits l;
  if (!v || !v->is_object()) return l;
  const auto& o = v->get_object();
  l.timeout_ms = integer(o, "timeout_ms");
  l.cpu_s = integer(o, "cpu_s");
  l.memory_mb = integer(o, "memory_mb");
  l.processes = static_cast<int>(integer(o, "processes"));
  l.file_size_mb = integer(o, "file_size_mb");
  l.open_files = static_cast<int>(integer(o, "open_files"));
  return l;
}

json::array strings_to_json(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

std::vector<std::string> strings_from_json(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

std::expected<json::object, std::string> parse_object(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  auto value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_object()) return std::unexpected(std::string(what) + " is not a JSON object");
  return std::move(value.get_object());
}

}  // namespace

std::string encode_spec(const SandboxSpec& spec) {
  json::array files;
  for (const auto& f : spec.files) files.push_back(json::object{{"path", f.path}, {"content", f.content}});
  return json::serialize(json::object{{"files", std::move(files)},
                                      {"compile", strings_to_json(spec.compile)},
                                      {"compile_limits", limits_to_json(spec.compile_limits)},
                                      {"run", strings_to_json(spec.run)},
                                      {"run_limits", limits_to_json(spec.run_limits)}});
}

std::expected<SandboxSpec, std::string> decode_spec(std::string_view text) {
  auto obj = parse_object(text, "the sandbox spec");
  if (!obj) return std::unexpected(obj.error());
  SandboxSpec spec;
  if (const auto* files = obj->if_contains("files"); files && files->is_array()) {
    for (const auto& item : files->get_array()) {
      if (!item.is_object()) return std::unexpected("the sandbox spec has a malformed file");
      const auto* path = item.get_object().if_contains("path");
      const auto* content = item.get_object().if_contains("content");
      if (!path || !path->is_string() || !content || !content->is_string())
        return std::unexpected("the sandbox spec has a malformed file");
      spec.files.push_back({std::string(path->get_string()), std::string(content->get_string())});
    }
  }
  spec.compile = strings_from_json(obj->if_contains("compile"));
  spec.compile_limits = limits_from_json(obj->if_contains("compile_limits"));
  spec.run = strings_from_json(obj->if_contains("run"));
  spec.run_limits = limits_from_json(obj->if_contains("run_limits"));
  if (spec.run.empty()) return std::unexpected("the sandbox spec has no command to run");
  return spec;
}

std::string encode_report(const StepReport& report) {
  json::object o{{"phase", report.phase}};
  protocol::write_exec_result(o, report.result);
  if (!report.error.empty()) o["error"] = report.error;
  return json::serialize(o);
}

std::expected<StepReport, std::string> decode_report(std::string_view text) {
  auto obj = parse_object(text, "the supervisor's report");
  if (!obj) return std::unexpected(obj.error());
  StepReport report;
  if (const auto* phase = obj->if_contains("phase"); phase && phase->is_string()) report.phase = phase->get_string();
  if (const auto* error = obj->if_contains("error"); error && error->is_string()) report.error = error->get_string();
  report.result = protocol::read_exec_result(*obj);
  if (report.phase.empty()) return std::unexpected("the supervisor's report has no phase");
  return report;
}

}  // namespace potluck::node::exec
