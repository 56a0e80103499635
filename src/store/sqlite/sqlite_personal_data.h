#pragma once
#include "store/personal_data.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

// Export in sqlite_data_export.cpp, erasure in sqlite_account_deletion.cpp.
class SqlitePersonalDataStore final : public PersonalDataStore {
 public:
  explicit SqlitePersonalDataStore(Database& db) : db_(db) {}

  Result<std::string> export_user(const std::string& user_id) override;
  Result<AccountErasure> erase_user(const std::string& user_id, std::int64_t now_ms) override;

 private:
  Database& db_;
};

}  // namespace potluck::store::sqlite
