#include "node/exec/languages.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <unistd.h>

namespace potluck::node::exec {
namespace {

// Where the compiled program goes: /tmp is the sandbox's own tmpfs.
constexpr std::string_view kProgram = "/tmp/program";

struct Toolchain {
  std::string_view language;
  std::string_view tool;  // looked up in kToolDirs
  std::string_view source_file;
  std::array<std::string_view, 3> extensions;
  bool compiled;
};

constexpr std::array<Toolchain, 5> kToolchains{{
    {"python3", "python3", "main.py", {".py"}, false},
    {"node", "node", "main.js", {".js", ".mjs", ".cjs"}, false},
    {"bash", "bash", "main.sh", {".sh", ".bash"}, false},
    {"c", "gcc", "main.c", {".c"}, true},
    {"c++", "g++", "main.cpp", {".cpp", ".cc", ".cxx"}, true},
}};

constexpr std::array<std::string_view, 3> kToolDirs{"/usr/local/bin", "/usr/bin", "/bin"};

// Real path of an executable `tool` in the sandbox's PATH, if it lives in a
// tree the sandbox mounts (a pyenv shim under /root would not work inside).
std::optional<std::string> find_tool(std::string_view tool) {
  for (auto dir : kToolDirs) {
    const auto candidate = std::filesystem::path(dir) / tool;
    std::error_code ec;
    const auto real = std::filesystem::canonical(candidate, ec);
    if (ec || !std::filesystem::is_regular_file(real, ec)) continue;
    if (::access(real.c_str(), X_OK) != 0) continue;
    const std::string text = real.string();
    if (text.starts_with("/usr/") || text.starts_with("/bin/")) return text;
  }
  return std::nullopt;
}

Language make_language(const Toolchain& t, const std::string& tool_path) {
  Language l{std::string(t.language), std::string(t.source_file), {}, {}};
  if (t.compiled) {
    l.compile = {tool_path, "-O2", "-pipe", "-o", std::string(kProgram), l.source_file, "-lm"};
    if (t.language == "c++") l.compile.insert(l.compile.begin() + 1, "-std=c++20");
    l.run = {std::string(kProgram)};
  } else {
    l.run = {tool_path, l.source_file};
  }
  return l;
}

}  // namespace

std::vector<std::string> known_language_names() {
  std::vector<std::string> names;
  for (const auto& t : kToolchains) names.emplace_back(t.language);
  return names;
}

std::optional<std::string> language_for_file(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto ext = file_name.substr(dot);
  for (const auto& t : kToolchains)
    if (std::find(t.extensions.begin(), t.extensions.end(), ext) != t.extensions.end())
      return std::string(t.language);
  return std::nullopt;
}

std::vector<Language> detect_languages(const std::vector<std::string>& only) {
  std::vector<Language> found;
  for (const auto& t : kToolchains) {
    if (!only.empty() && std::find(only.begin(), only.end(), t.language) == only.end()) continue;
    if (auto path = find_tool(t.tool)) found.push_back(make_language(t, *path));
  }
  return found;
}

}  // namespace potluck::node::exec
