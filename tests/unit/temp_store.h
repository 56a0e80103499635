#pragma once
// A SqliteStore in a fresh temporary directory, removed afterwards.
#include "store/sqlite/sqlite_store.h"

#include <filesystem>
#include <memory>
#include <random>
#include <string>

namespace potluck::testing {

class TempStore {
 public:
  TempStore() {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("potluck-unit-" + std::to_string(random()) +
                                                     std::to_string(random()));
    store_ = store::sqlite::SqliteStore::open(dir_.string());
  }
  ~TempStore() {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  store::sqlite::SqliteStore& operator*() { return *store_; }
  store::sqlite::SqliteStore* operator->() { return store_.get(); }
  // Raw SQL, for tampering with the database the way an attacker with the
  // file would.
  void exec(const std::string& sql) { store_->database().exec(sql); }
  std::int64_t integer(const std::string& sql) {
    auto s = store_->database().prepare(sql);
    s.step();
    return s.integer(0);
  }
  std::string text(const std::string& sql) {
    auto s = store_->database().prepare(sql);
    s.step();
    return s.text(0);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

}  // namespace potluck::testing
