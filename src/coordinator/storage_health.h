#pragma once
// Whether the store can write, as the coordinator last found out. Any store
// call that meets storage trouble (a storage_unavailable result, reported by
// StoreExecutor) marks it failing; only a write that succeeded (the periodic
// check, run_checks) marks it writable again, since a read that works says
// nothing about writes. /readyz answers from it. Each change is logged once,
// not once per failed call. Lives on the network thread.
#include "net/asio_fwd.h"

#include <chrono>
#include <string>
#include <string_view>

namespace potluck::coordinator {

class StoreExecutor;

class StorageHealth {
 public:
  void failed(std::string_view reason);
  void recovered();

  bool writable() const { return !failing_; }
  // Why writes fail (the store's message: paths and SQLite's words, no
  // request content); empty while writable.
  const std::string& reason() const { return reason_; }

  // Every `interval`, a write that changes nothing (Store::check_writable):
  // notices trouble while no request writes, and the recovery.
  net::awaitable<void> run_checks(StoreExecutor& store, std::chrono::milliseconds interval,
                                  const bool& stopping);

 private:
  bool failing_ = false;
  std::string reason_;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace potluck::coordinator
