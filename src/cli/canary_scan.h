#pragma once
// `potluck selftest privacy`'s scanner: every regular file under the given
// roots (a file root is itself) is read byte for byte and searched for each
// needle, so binary files such as the SQLite database and its WAL count too.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace potluck::cli {

struct Needle {
  std::string label;  // which content path it stands for
  std::string text;
};

struct CanaryHit {
  std::filesystem::path file;
  std::uint64_t offset = 0;
  std::string label;
};

struct ScanReport {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> unreadable;  // listed, not silently skipped
  std::vector<CanaryHit> hits;
};

ScanReport scan_for_needles(const std::vector<std::filesystem::path>& roots, const std::vector<Needle>& needles);

}  // namespace potluck::cli
