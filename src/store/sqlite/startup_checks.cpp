#include "store/sqlite/startup_checks.h"

#include <fstream>
#include <stdexcept>

namespace potluck::store::sqlite {
namespace {

constexpr int kFindingsShown = 3;

bool has_schema(Database& db) {
  auto s = db.prepare("SELECT COUNT(*) FROM sqlite_schema");
  s.step();
  return s.integer(0) > 0;
}

[[noreturn]] void refuse_emptied(const std::filesystem::path& data_dir, std::string_view what) {
  throw std::runtime_error(
      "refusing to start: " + (data_dir / "potluck.db").string() + " " + std::string(what) +
      " but a database existed in this data dir (" + std::string(kCreatedMarker) +
      " is there): the file was truncated or replaced. Restore it from a backup; to start a new, empty "
      "platform on purpose, remove " + std::string(kCreatedMarker) + ". Nothing was changed.");
}

}  // namespace

void check_integrity(Database& db) {
  auto s = db.prepare("PRAGMA quick_check(" + std::to_string(kFindingsShown) + ")");
  std::string findings;
  while (s.step()) {
    const std::string line = s.text(0);
    if (line == "ok") return;
    findings += (findings.empty() ? "" : "; ") + line;
  }
  throw SqliteError(SQLITE_CORRUPT, "PRAGMA quick_check: " + findings);
}

void check_not_emptied(const std::filesystem::path& data_dir) {
  if (!std::filesystem::exists(data_dir / kCreatedMarker)) return;
  if (std::filesystem::file_size(data_dir / "potluck.db") == 0) refuse_emptied(data_dir, "is empty (0 bytes)");
}

void check_has_schema(Database& db, const std::filesystem::path& data_dir) {
  if (!std::filesystem::exists(data_dir / kCreatedMarker) || has_schema(db)) return;
  refuse_emptied(data_dir, "holds no tables");
}

void mark_created(const std::filesystem::path& data_dir) {
  const auto marker = data_dir / kCreatedMarker;
  if (std::filesystem::exists(marker)) return;
  std::ofstream out(marker);
  out << "potluck.db in this directory holds a Potluck database; `potluck serve` refuses to start "
         "on an empty potluck.db while this file is here.\n";
}

std::string startup_refusal(const SqliteError& error, const std::string& path) {
  const int primary = error.code & 0xff;
  if (primary == SQLITE_READONLY)
    return "refusing to start: " + std::string(error.what()) +
           ": the coordinator must write its database. Make " + path +
           " and its directory writable by this user (or remount the file system read-write).";
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    return "refusing to start: database " + path + " is damaged (" + error.what() +
           "). Restore it from a backup. Nothing was changed.";
  return "refusing to start: cannot open database " + path + ": " + error.what();
}

}  // namespace potluck::store::sqlite
