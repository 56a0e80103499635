#include "node/backoff.h"

#include <algorithm>

namespace potluck::node {

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
    : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(max, min_)), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  // min * 2^attempt, capped; the shift is bounded so it cannot overflow.
  const auto shift = std::min(attempt_, 30);
  const std::int64_t step = std::min<std::int64_t>(max_.count(), min_.count() << shift);
  if (step < max_.count()) ++attempt_;
  const std::int64_t low = std::max<std::int64_t>(min_.count(), step / 2);
  std::uniform_int_distribution<std::int64_t> pick(low, std::max(low, step));
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace potluck::node
