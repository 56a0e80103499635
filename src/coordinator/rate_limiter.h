#pragma once
// Token buckets keyed by a string (an API key id, a client address): each key
// may make `burst` requests at once and `per_second` more every second. Idle
// buckets are dropped so the map stays bounded by the active keys.
#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>

namespace potluck::coordinator {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // 0 when the request may go ahead (it took a token); otherwise the whole
  // seconds until a token is free, for Retry-After.
  int take(std::string_view key, Clock::time_point now = Clock::now());

  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  void prune(Clock::time_point now);

  RateLimit limit_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_prune_;
};

}  // namespace potluck::coordinator
