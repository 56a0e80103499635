#include "coordinator/node_health.h"

#include <algorithm>

namespace potluck::coordinator {
namespace {
constexpr double kSmoothing = 0.2;  // weight of the newest sample in the moving averages

double blend(double average, double sample, bool first) {
  return first ? sample : average + kSmoothing * (sample - average);
}
}  // namespace

void NodeHealth::forget_old(Clock::time_point now) {
  const auto horizon = now - settings_.window;
  while (!failures_.empty() && failures_.front() < horizon) failures_.pop_front();
  while (!successes_.empty() && successes_.front() < horizon) successes_.pop_front();
}

void NodeHealth::on_success(double ttft_ms, double latency_ms, Clock::time_point now) {
  ttft_ms_ = blend(ttft_ms_, ttft_ms, !seen_success_);
  latency_ms_ = blend(latency_ms_, latency_ms, !seen_success_);
  seen_success_ = true;
  on_success(now);
}

void NodeHealth::on_success(Clock::time_point now) {
  successes_.push_back(now);
  forget_old(now);
  if (probing_ || parked_) {
    // The probe succeeded: back in service with a clean slate.
    parked_ = probing_ = false;
    failures_.clear();
  }
}

void NodeHealth::on_failure(Clock::time_point now) {
  failures_.push_back(now);
  forget_old(now);
  if (probing_ || static_cast<int>(failures_.size()) >= settings_.failures_to_park) {
    parked_ = true;
    probing_ = false;
    parked_until_ = now + settings_.cool_down;
  }
}

bool NodeHealth::admits(Clock::time_point now) const {
  if (!parked_) return true;
  return !probing_ && now >= parked_until_;
}

void NodeHealth::on_dispatch(Clock::time_point now) {
  if (parked_ && !probing_ && now >= parked_until_) probing_ = true;
}

NodeHealth::State NodeHealth::state(Clock::time_point now) const {
  if (!parked_) return State::healthy;
  return probing_ || now >= parked_until_ ? State::probing : State::parked;
}

double NodeHealth::error_rate(Clock::time_point now) const {
  const auto horizon = now - settings_.window;
  const auto recent = [&horizon](const std::deque<Clock::time_point>& times) {
    return static_cast<double>(std::count_if(times.begin(), times.end(), [&](auto t) { return t >= horizon; }));
  };
  const double failed = recent(failures_);
  const double total = failed + recent(successes_);
  return total == 0 ? 0 : failed / total;
}

// Errors weigh heavily (a node failing half its jobs counts as three times as
// loaded); slowness mildly, relative to a one-second time to first token.
double NodeHealth::penalty(Clock::time_point now) const {
  return 1.0 + 4.0 * error_rate(now) + std::min(ttft_ms_ / 1000.0, 4.0);
}

}  // namespace potluck::coordinator
