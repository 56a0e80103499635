#pragma once
// Turns the SQLite wrapper's exceptions into StoreError values at the store
// interface, so callers only ever see Result<T>.
#include "store/result.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

template <class F>
auto guarded(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SqliteError& e) {
    if (e.is_constraint()) return std::unexpected(StoreError{StoreError::Kind::conflict, e.what()});
    if (e.is_storage_unavailable())
      return std::unexpected(StoreError{StoreError::Kind::storage_unavailable, e.what()});
    return std::unexpected(StoreError{StoreError::Kind::io, e.what()});
  }
}

}  // namespace potluck::store::sqlite
