#pragma once
// Thin RAII wrapper over the SQLite C API: a connection, prepared statements
// with typed binds and reads, and transactions.
#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <expected>
#include <string>
#include <string_view>

namespace potluck::store::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  // A string bound as NULL when empty, an integer as NULL when zero.
  Statement& bind_optional(int index, std::string_view text);
  Statement& bind_optional(int index, std::int64_t value);

  // true: a row is ready; false: done. Errors throw (they are bugs or I/O).
  bool step();
  void reset();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;
  // For reading rows generically (the data export).
  int column_count() const;
  std::string column_name(int column) const;
  int column_type(int column) const;  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_NULL...

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

class Database {
 public:
  // Opens (creating) the file in WAL mode with foreign keys on. A file that
  // can only be read (its mode, a read-only mount) is refused with
  // SQLITE_READONLY: the coordinator cannot work without writing.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  sqlite3* handle() { return db_; }
  std::int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  sqlite3* db_ = nullptr;
};

// Error thrown by the wrapper; the store turns it into StoreError.
struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
  bool is_constraint() const { return (code & 0xff) == SQLITE_CONSTRAINT; }
  // The storage under the database failed, not the statement: a full disk, a
  // read-only file or mount, an I/O error, a file that cannot be (re)opened.
  // Retrying later may work; the data is not at fault.
  bool is_storage_unavailable() const {
    const int primary = code & 0xff;
    return primary == SQLITE_FULL || primary == SQLITE_READONLY || primary == SQLITE_IOERR ||
           primary == SQLITE_CANTOPEN;
  }
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed. A read that
// needs one snapshot over several statements and writes nothing asks for a
// deferred transaction: it takes no write lock, so a long read (the ledger
// check) does not hold up a coordinator writing to the same file.
class Transaction {
 public:
  enum class Mode { write, read };
  explicit Transaction(Database& db, Mode mode = Mode::write) : db_(db) {
    db_.exec(mode == Mode::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  }
  ~Transaction() {
    if (!done_) {
      try { db_.exec("ROLLBACK"); } catch (...) {}
    }
  }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace potluck::store::sqlite
