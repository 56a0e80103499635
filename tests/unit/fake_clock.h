#pragma once
// A Clock the test sets by hand.
#include "common/clock.h"

namespace potluck::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ms = 0) : now(start_ms) {}
  std::int64_t unix_ms() const override { return now; }
  std::int64_t now;
};

}  // namespace potluck::testing
