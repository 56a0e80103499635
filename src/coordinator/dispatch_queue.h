#pragma once
// Requests waiting for a free slot. One line per target (cluster + model or
// tier), first come first served across consumers, bounded in length; a
// consumer at its cap of jobs in flight is passed over (not dropped) so one
// consumer cannot starve the rest. When a slot may have freed up, notify()
// wakes the first waiter of each line that may go.
#include "net/asio_fwd.h"

#include <boost/asio/steady_timer.hpp>

#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace potluck::coordinator {

struct QueueSettings {
  std::size_t max_waiting = 256;    // per line; a full line answers 503 at once
  int max_jobs_per_consumer = 32;   // in flight per user; 0: no cap
};

class DispatchQueue {
 public:
  struct Ticket {
    Ticket(net::asio::any_io_executor executor, std::string line, std::string consumer)
        : timer(executor), line(std::move(line)), consumer(std::move(consumer)) {}
    boost::asio::steady_timer timer;  // cancelled to wake the waiter
    std::string line;
    std::string consumer;
  };

  explicit DispatchQueue(QueueSettings settings) : settings_(settings) {}

  // May this consumer start a job now, given the line (nullptr: not in line)?
  bool may_go(const std::string& line, const std::string& consumer, const Ticket* ticket) const;
  // Joins the line's end; nullptr when it is full.
  std::shared_ptr<Ticket> enter(net::asio::any_io_executor executor, const std::string& line,
                                const std::string& consumer);
  void leave(const std::shared_ptr<Ticket>& ticket);

  void started(const std::string& consumer) { ++in_flight_[consumer]; }
  void finished(const std::string& consumer);

  // A slot may be free: wakes the first waiter of each line that may go.
  void notify();

  std::size_t waiting() const;

 private:
  bool under_cap(const std::string& consumer) const;
  // The first waiter in the line whose consumer is under the cap.
  Ticket* first_eligible(const std::string& line) const;

  QueueSettings settings_;
  std::map<std::string, std::list<std::shared_ptr<Ticket>>> lines_;
  std::unordered_map<std::string, int> in_flight_;
};

}  // namespace potluck::coordinator
