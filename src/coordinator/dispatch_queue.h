#pragma once
// Requests waiting for a free slot. One line per target (cluster + model or
// tier), first come first served across consumers, bounded in length; a
// consumer at its cap of jobs in flight is passed over (not dropped) so one
// consumer cannot starve the rest. Fast-priority waiters (asynchronous jobs
// submitted with priority "fast") go before normal ones, but after
// `fast_streak` fast ones in a row were served while a normal one waited, the
// normal one goes next: normal jobs are never starved. When a slot may have
// freed up, notify() wakes the first waiter of each line that may go.
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
  int fast_streak = 4;              // fast jobs served in a row while a normal one waits
};

enum class Priority { normal, fast };

class DispatchQueue {
 public:
  struct Ticket {
    Ticket(net::asio::any_io_executor executor, std::string line, std::string consumer, Priority priority)
        : timer(executor), line(std::move(line)), consumer(std::move(consumer)), priority(priority) {}
    boost::asio::steady_timer timer;  // cancelled to wake the waiter
    std::string line;
    std::string consumer;
    Priority priority;
  };

  explicit DispatchQueue(QueueSettings settings) : settings_(settings) {}

  // May this consumer start a job now, given the line (nullptr: not in line)?
  bool may_go(const std::string& line, const std::string& consumer, const Ticket* ticket) const;
  // Joins the line's end; nullptr when it is full.
  std::shared_ptr<Ticket> enter(net::asio::any_io_executor executor, const std::string& line,
                                const std::string& consumer, Priority priority = Priority::normal);
  // Leaves the line: `served` when the waiter got its slot, false when it
  // gave up (timed out, cancelled); only served waiters count in the streak.
  void leave(const std::shared_ptr<Ticket>& ticket, bool served = false);

  void started(const std::string& consumer) { ++in_flight_[consumer]; }
  void finished(const std::string& consumer);

  // A slot may be free: wakes the first waiter of each line that may go.
  void notify();
  // The coordinator is stopping: every waiter is woken and, seeing closed(),
  // gives up (its hold released, its consumer told); nobody joins again.
  void close();
  bool closed() const { return closed_; }

  std::size_t waiting() const;

 private:
  struct Line {
    std::list<std::shared_ptr<Ticket>> waiters;
    int fast_streak = 0;  // fast waiters served in a row while a normal one waited
  };

  bool under_cap(const std::string& consumer) const;
  // The waiter that goes next: among those whose consumer is under the cap,
  // the first fast one, unless the streak is full and a normal one waits.
  Ticket* first_eligible(const std::string& line) const;
  Ticket* first_eligible(const Line& line, Priority priority) const;

  QueueSettings settings_;
  std::map<std::string, Line> lines_;
  std::unordered_map<std::string, int> in_flight_;
  bool closed_ = false;
};

}  // namespace potluck::coordinator
