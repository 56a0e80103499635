#include "coordinator/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace potluck::coordinator {

int RateLimiter::take(std::string_view key, Clock::time_point now) {
  if (limit_.per_second <= 0) return 0;
  if (now - last_prune_ > std::chrono::seconds(60)) prune(now);
  auto [it, fresh] = buckets_.try_emplace(std::string(key), Bucket{limit_.burst, now});
  Bucket& bucket = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed * limit_.per_second);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - bucket.tokens) / limit_.per_second)));
}

// A bucket idle long enough to be full again holds no information.
void RateLimiter::prune(Clock::time_point now) {
  last_prune_ = now;
  const auto full_after = std::chrono::duration<double>(limit_.burst / limit_.per_second);
  std::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.updated > full_after; });
}

}  // namespace potluck::coordinator
