#pragma once
// How often a node's model list may change. A status frame that changes it
// re-indexes the node and writes its record, so a node sending such frames in
// a loop would drive unbounded database writes. At most one change is applied
// per interval; the ones that come faster are held, each replacing the one
// before, and the latest is applied once the interval has passed, so the
// node's final list is never lost and the link is never closed for it.
// Bookkeeping only: the NodeHub owns the timer that calls release().
#include "protocol/frames.h"

#include <chrono>
#include <optional>
#include <vector>

namespace potluck::coordinator {

class ModelListPacer {
 public:
  using Models = std::vector<protocol::ModelOffer>;
  using TimePoint = std::chrono::steady_clock::time_point;

  // `applied_at`: when the hello's list was applied (the link's start).
  explicit ModelListPacer(TimePoint applied_at) : last_applied_(applied_at) {}

  struct Decision {
    std::optional<Models> apply;       // apply these now
    std::optional<TimePoint> wake_at;  // held: call release() at this time (set once per hold)
  };
  // A status frame brought `models` at `now`.
  Decision offer(Models models, TimePoint now, std::chrono::milliseconds interval);
  // The wake-up came: the held list, to apply now (nullopt if none is held).
  std::optional<Models> release(TimePoint now);

 private:
  TimePoint last_applied_;
  std::optional<Models> held_;
  bool wake_pending_ = false;
};

}  // namespace potluck::coordinator
