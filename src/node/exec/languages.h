#pragma once
// The languages a node can run and how: where the toolchain is, which file
// the source goes to, and the command lines that compile (if any) and run it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::node::exec {

struct Language {
  std::string name;                  // python3, node, bash, c, c++
  std::string source_file;           // the file `source` is written to, in the work directory
  std::vector<std::string> compile;  // empty for interpreted languages
  std::vector<std::string> run;      // the program's arguments are appended
};

// Names of every language Potluck knows, installed or not.
std::vector<std::string> known_language_names();

// The language of a source file name, by its extension ("x.py" -> python3).
std::optional<std::string> language_for_file(std::string_view file_name);

// The known languages whose toolchain is installed in a directory the sandbox
// shows (/usr/local/bin, /usr/bin, /bin), narrowed to `only` unless empty.
// Paths are resolved to real files so they work inside the sandbox.
std::vector<Language> detect_languages(const std::vector<std::string>& only);

}  // namespace potluck::node::exec
