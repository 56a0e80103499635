// What opening the data dir refuses before any migration (startup_checks.h),
// and how the store names storage trouble (storage_unavailable).
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/startup_checks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

namespace {
using namespace potluck;
namespace fs = std::filesystem;
using store::StoreError;
using store::sqlite::SqliteError;
using store::sqlite::SqliteStore;

class StoreStartupTest : public ::testing::Test {
 protected:
  StoreStartupTest() {
    std::random_device random;
    dir_ = fs::temp_directory_path() / ("potluck-startup-" + std::to_string(random()) + std::to_string(random()));
  }
  ~StoreStartupTest() override {
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(dir_, ignored);
  }
  fs::path db() const { return dir_ / "potluck.db"; }

  // A migrated database with a user, closed (checkpointed into potluck.db).
  void make_database() {
    auto store = SqliteStore::open(dir_.string());
    ASSERT_TRUE(store->create_user("", "someone@example.test", store::Role::member));
  }

  // What open_checked threw, or "" when it opened.
  std::string refusal(const fs::path& dir) {
    try {
      SqliteStore::open_checked(dir.string());
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

StoreError::Kind kind_of(int sqlite_code) {
  auto result = store::sqlite::guarded([&]() -> store::Result<void> { throw SqliteError(sqlite_code, "x"); });
  return result.error().kind;
}

TEST(StoreErrorKind, StorageTroubleIsStorageUnavailable) {
  EXPECT_EQ(kind_of(SQLITE_FULL), StoreError::Kind::storage_unavailable);
  EXPECT_EQ(kind_of(SQLITE_READONLY), StoreError::Kind::storage_unavailable);
  EXPECT_EQ(kind_of(SQLITE_IOERR), StoreError::Kind::storage_unavailable);
  EXPECT_EQ(kind_of(SQLITE_IOERR_WRITE), StoreError::Kind::storage_unavailable);  // extended codes too
  EXPECT_EQ(kind_of(SQLITE_CANTOPEN), StoreError::Kind::storage_unavailable);
  EXPECT_EQ(kind_of(SQLITE_CONSTRAINT_UNIQUE), StoreError::Kind::conflict);
  EXPECT_EQ(kind_of(SQLITE_ERROR), StoreError::Kind::io);
  EXPECT_EQ(kind_of(SQLITE_CORRUPT), StoreError::Kind::io);
}

TEST_F(StoreStartupTest, AHealthyDatabaseOpensAndCanBeWritten) {
  make_database();
  EXPECT_EQ(refusal(dir_), "");
  auto store = SqliteStore::open(dir_.string());
  EXPECT_TRUE(store->check_writable());
  EXPECT_TRUE(fs::exists(dir_ / store::sqlite::kCreatedMarker));
}

TEST_F(StoreStartupTest, WritesToADatabaseThatRefusesThemAreStorageUnavailable) {
  auto store = SqliteStore::open(dir_.string());
  store->database().exec("PRAGMA query_only = 1");  // SQLITE_READONLY on every write, as a read-only mount
  auto checked = store->check_writable();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().kind, StoreError::Kind::storage_unavailable);
  auto created = store->create_user("", "late@example.test", store::Role::member);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, StoreError::Kind::storage_unavailable);
  store->database().exec("PRAGMA query_only = 0");
  EXPECT_TRUE(store->check_writable());
}

TEST_F(StoreStartupTest, ADamagedPageIsRefusedBeforeAnyMigration) {
  make_database();
  const auto size = fs::file_size(db());
  ASSERT_GE(size, 4 * 4096u);
  {
    std::fstream file(db(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(2 * 4096);  // the third page: a table's b-tree, past the header on page 1
    const std::string garbage(4096, '\xA5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const std::string message = refusal(dir_);
  EXPECT_NE(message.find("is damaged"), std::string::npos) << message;
  EXPECT_NE(message.find("Restore it from a backup"), std::string::npos) << message;
}

TEST_F(StoreStartupTest, AFileThatIsNoDatabaseIsRefused) {
  make_database();
  std::ofstream(db(), std::ios::trunc) << std::string(8192, 'x');
  const std::string message = refusal(dir_);
  EXPECT_NE(message.find("is damaged"), std::string::npos) << message;
}

TEST_F(StoreStartupTest, AnEmptiedDatabaseIsRefusedWhereOneExisted) {
  make_database();
  fs::resize_file(db(), 0);
  const std::string message = refusal(dir_);
  EXPECT_NE(message.find("is empty (0 bytes)"), std::string::npos) << message;
  EXPECT_EQ(fs::file_size(db()), 0u) << "the refusal changed nothing";
  // A new file with no tables in it, where the database was, is refused too.
  { store::sqlite::Database replaced(db().string()); }
  EXPECT_NE(refusal(dir_).find("holds no tables"), std::string::npos);
  // The operator says so: a new, empty platform.
  fs::remove(dir_ / store::sqlite::kCreatedMarker);
  EXPECT_EQ(refusal(dir_), "");
}

TEST_F(StoreStartupTest, AnEmptyFileInANewDataDirIsANewDatabase) {
  fs::create_directories(dir_);
  std::ofstream(db()).close();
  EXPECT_EQ(refusal(dir_), "");
}

// A coordinator killed before its first checkpoint leaves a header-only
// potluck.db and the whole database in potluck.db-wal: that is no loss.
TEST_F(StoreStartupTest, AHeaderOnlyFileWhoseWalHoldsTheDatabaseOpens) {
  auto running = SqliteStore::open(dir_.string());
  ASSERT_TRUE(running->create_user("", "kept@example.test", store::Role::member));
  ASSERT_EQ(fs::file_size(db()), 4096u) << "the migrations were checkpointed; this test needs them in the WAL";
  const fs::path copy = dir_.string() + "-copy";
  fs::create_directories(copy);
  for (const char* name : {"potluck.db", "potluck.db-wal", "potluck.db.created"})
    fs::copy_file(dir_ / name, copy / name);
  std::string message;
  try {
    auto reopened = SqliteStore::open_checked(copy.string());
    EXPECT_TRUE(reopened->find_user_by_email("kept@example.test"));
  } catch (const std::exception& e) {
    message = e.what();
  }
  fs::remove_all(copy);
  EXPECT_EQ(message, "");
}

TEST_F(StoreStartupTest, AReadOnlyFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes read-only files; tests/integration/storage_faults covers a "
                                        "read-only mount";
  make_database();
  fs::permissions(db(), fs::perms::owner_read, fs::perm_options::replace);
  const std::string message = refusal(dir_);
  EXPECT_NE(message.find("read-only"), std::string::npos) << message;
  EXPECT_EQ(fs::status(db()).permissions(), fs::perms::owner_read) << "the refusal left the mode alone";
}

}  // namespace
