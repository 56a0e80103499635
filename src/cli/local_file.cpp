#include "cli/local_file.h"

#include <fstream>
#include <sstream>

namespace potluck::cli {

std::optional<std::string> read_local_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace potluck::cli
