#pragma once
// The error and result types every store call returns.
#include <expected>
#include <string>

namespace potluck::store {

struct StoreError {
  enum class Kind {
    not_found,     // no such row (or not the caller's)
    conflict,      // a uniqueness rule: duplicate name, already a member...
    invalid,       // the request breaks a rule of the data (e.g. an owner leaving)
    gone,          // spent, expired or revoked (an invite)
    insufficient,  // not enough credits
    storage_unavailable,  // the database cannot be written now (disk full, read-only, I/O
                          // error): the request may succeed later, once an operator fixes it
    io,            // the database failed
  } kind = Kind::io;
  std::string message;
};

template <class T>
using Result = std::expected<T, StoreError>;

inline StoreError not_found(std::string what) { return {StoreError::Kind::not_found, std::move(what)}; }

}  // namespace potluck::store
