#include "cli/canary_scan.h"

#include <fstream>
#include <iterator>

namespace potluck::cli {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> files_under(const fs::path& root, ScanReport& report) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) return {root};
  if (!fs::is_directory(root, ec)) {
    report.unreadable.push_back(root.string() + " (not found)");
    return files;
  }
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) report.unreadable.push_back(root.string() + " (" + ec.message() + ")");
  return files;
}

void scan_file(const fs::path& file, const std::vector<Needle>& needles, ScanReport& report) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    report.unreadable.push_back(file.string());
    return;
  }
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ++report.files;
  report.bytes += bytes.size();
  // The first needle found in a file names it; the needles come most specific first.
  for (const auto& needle : needles) {
    const auto at = bytes.find(needle.text);
    if (at == std::string::npos) continue;
    report.hits.push_back({file, at, needle.label});
    return;
  }
}

}  // namespace

ScanReport scan_for_needles(const std::vector<fs::path>& roots, const std::vector<Needle>& needles) {
  ScanReport report;
  for (const auto& root : roots)
    for (const auto& file : files_under(root, report)) scan_file(file, needles, report);
  return report;
}

}  // namespace potluck::cli
