#include "coordinator/dispatch_queue.h"

#include <algorithm>

namespace potluck::coordinator {

bool DispatchQueue::under_cap(const std::string& consumer) const {
  if (settings_.max_jobs_per_consumer <= 0) return true;
  auto it = in_flight_.find(consumer);
  return it == in_flight_.end() || it->second < settings_.max_jobs_per_consumer;
}

DispatchQueue::Ticket* DispatchQueue::first_eligible(const Line& line, Priority priority) const {
  for (const auto& ticket : line.waiters)
    if (ticket->priority == priority && under_cap(ticket->consumer)) return ticket.get();
  return nullptr;
}

DispatchQueue::Ticket* DispatchQueue::first_eligible(const std::string& line) const {
  auto it = lines_.find(line);
  if (it == lines_.end()) return nullptr;
  Ticket* fast = first_eligible(it->second, Priority::fast);
  Ticket* normal = first_eligible(it->second, Priority::normal);
  if (normal && (!fast || it->second.fast_streak >= settings_.fast_streak)) return normal;
  return fast;
}

bool DispatchQueue::may_go(const std::string& line, const std::string& consumer, const Ticket* ticket) const {
  if (!under_cap(consumer)) return false;
  const Ticket* first = first_eligible(line);
  // Not in line: only if nobody eligible waits. In line: only at the front.
  return ticket ? first == ticket : first == nullptr;
}

std::shared_ptr<DispatchQueue::Ticket> DispatchQueue::enter(net::asio::any_io_executor executor,
                                                            const std::string& line,
                                                            const std::string& consumer, Priority priority) {
  auto& waiters = lines_[line].waiters;
  if (waiters.size() >= settings_.max_waiting) {
    if (waiters.empty()) lines_.erase(line);
    return nullptr;
  }
  waiters.push_back(std::make_shared<Ticket>(std::move(executor), line, consumer, priority));
  return waiters.back();
}

void DispatchQueue::leave(const std::shared_ptr<Ticket>& ticket, bool served) {
  auto it = lines_.find(ticket->line);
  if (it == lines_.end()) return;
  Line& line = it->second;
  line.waiters.remove(ticket);
  if (served) {
    const bool normal_waits = first_eligible(line, Priority::normal) != nullptr;
    line.fast_streak = ticket->priority == Priority::fast && normal_waits ? line.fast_streak + 1 : 0;
  }
  if (line.waiters.empty()) lines_.erase(it);
}

void DispatchQueue::finished(const std::string& consumer) {
  auto it = in_flight_.find(consumer);
  if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
}

void DispatchQueue::notify() {
  for (const auto& [line, waiters] : lines_)
    if (Ticket* first = first_eligible(line)) first->timer.cancel();
}

void DispatchQueue::close() {
  closed_ = true;
  for (const auto& [name, line] : lines_)
    for (const auto& ticket : line.waiters) ticket->timer.cancel();
}

std::size_t DispatchQueue::waiting() const {
  std::size_t total = 0;
  for (const auto& [name, line] : lines_) total += line.waiters.size();
  return total;
}

}  // namespace potluck::coordinator
