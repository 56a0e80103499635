#pragma once
// Reconnect delays: exponential from `min` to `max`, each drawn at random from
// the upper half of its step so that many nodes cut off by one coordinator
// restart do not all come back in the same instant.
#include <chrono>
#include <cstdint>
#include <random>

namespace potluck::node {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max,
          std::uint64_t seed = std::random_device{}());

  // The next delay, in [min, max]; each call doubles the step until max.
  std::chrono::milliseconds next();
  // After a connection that worked: start again from min.
  void reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds min_, max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace potluck::node
