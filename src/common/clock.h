#pragma once
// Wall-clock time behind an interface so retention and expiry can be tested
// with an injected clock.
#include <chrono>
#include <cstdint>

namespace potluck {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t unix_ms() const = 0;
  std::int64_t unix_s() const { return unix_ms() / 1000; }
};

class SystemClock final : public Clock {
 public:
  std::int64_t unix_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// Milliseconds since the Unix epoch, from the system clock.
inline std::int64_t unix_now_ms() { return SystemClock{}.unix_ms(); }

}  // namespace potluck
