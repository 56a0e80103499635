#pragma once
// Reading a file the user named on the command line (a program, its stdin, a
// job's payload). The text goes to the coordinator; the CLI keeps no copy.
#include <optional>
#include <string>

namespace potluck::cli {

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_local_file(const std::string& path);

}  // namespace potluck::cli
