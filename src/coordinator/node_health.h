#pragma once
// How well a node has been doing: moving averages of time to first token and
// of latency, its failures in a sliding window, and whether it is parked. A
// node with `failures_to_park` failures within `window` is parked for
// `cool_down`, then admitted for one probe job; a successful probe readmits
// it, a failed one parks it again. Failures that are the consumer's fault
// (4xx) are not reported here.
#include <chrono>
#include <deque>

namespace potluck::coordinator {

struct HealthSettings {
  int failures_to_park = 3;
  std::chrono::seconds window{60};
  std::chrono::seconds cool_down{30};
};

class NodeHealth {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { healthy, parked, probing };

  explicit NodeHealth(HealthSettings settings = {}) : settings_(settings) {}

  void on_success(double ttft_ms, double latency_ms, Clock::time_point now = Clock::now());
  // A success that says nothing of the node's speed (an exec job's run time
  // is the program's): counts in the error rate and ends a probe only.
  void on_success(Clock::time_point now);
  void on_failure(Clock::time_point now = Clock::now());

  // May a job be sent to the node now? A parked node whose cool-down is over
  // takes exactly one probe.
  bool admits(Clock::time_point now = Clock::now()) const;
  // A job was sent: a parked node past its cool-down is now being probed.
  void on_dispatch(Clock::time_point now = Clock::now());

  State state(Clock::time_point now = Clock::now()) const;
  double ttft_ms() const { return ttft_ms_; }
  double latency_ms() const { return latency_ms_; }
  // Failures per job over the window, from 0 to 1.
  double error_rate(Clock::time_point now = Clock::now()) const;
  // >= 1: how much worse than a perfect node this one is, to weigh its load.
  double penalty(Clock::time_point now = Clock::now()) const;

 private:
  void forget_old(Clock::time_point now);

  HealthSettings settings_;
  double ttft_ms_ = 0, latency_ms_ = 0;
  bool seen_success_ = false;
  std::deque<Clock::time_point> failures_, successes_;
  bool parked_ = false;
  bool probing_ = false;
  Clock::time_point parked_until_;
};

}  // namespace potluck::coordinator
