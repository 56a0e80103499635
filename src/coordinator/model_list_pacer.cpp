#include "coordinator/model_list_pacer.h"

#include <utility>

namespace potluck::coordinator {

ModelListPacer::Decision ModelListPacer::offer(Models models, TimePoint now, std::chrono::milliseconds interval) {
  if (wake_pending_) {
    held_ = std::move(models);  // the wake-up already set applies the latest
    return {};
  }
  if (now - last_applied_ >= interval) {
    last_applied_ = now;
    return {std::move(models), std::nullopt};
  }
  held_ = std::move(models);
  wake_pending_ = true;
  return {std::nullopt, last_applied_ + interval};
}

std::optional<ModelListPacer::Models> ModelListPacer::release(TimePoint now) {
  wake_pending_ = false;
  if (!held_) return std::nullopt;
  last_applied_ = now;
  return std::exchange(held_, std::nullopt);
}

}  // namespace potluck::coordinator
