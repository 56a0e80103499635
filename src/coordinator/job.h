#pragma once
// A job in flight: its id, the node of its current attempt, and the queue
// through which that node's frames (and a consumer's hang-up) reach the job's
// run. The queue also keeps the job's backlog, the chunk bytes a node sent
// that the consumer has not taken yet, in this one place: a push adds them, a
// pop takes them away.
#include "net/asio_fwd.h"
#include "net/event_queue.h"
#include "protocol/frames.h"

#include <chrono>
#include <memory>
#include <string>
#include <variant>

namespace potluck::coordinator {

// The consumer went away (socket closed, or an asynchronous job cancelled by
// its owner) before the job ended.
struct ClientGone {};

using JobEvent = std::variant<protocol::Chunk, protocol::Done, protocol::Error, ClientGone>;

class Job {
 public:
  using End = net::EventQueue<JobEvent>::End;

  Job(boost::asio::any_io_executor executor, std::string id) : id(std::move(id)), events_(executor) {}

  void push(JobEvent event) {
    if (auto* chunk = std::get_if<protocol::Chunk>(&event)) backlog_bytes_ += protocol::text_bytes(*chunk);
    events_.push(std::move(event));
  }

  // The next event, or End::timed_out at `deadline`.
  net::awaitable<std::expected<JobEvent, End>> next(std::chrono::steady_clock::time_point deadline) {
    auto event = co_await events_.pop_until(deadline);
    if (event) {
      if (auto* chunk = std::get_if<protocol::Chunk>(&*event))
        backlog_bytes_ -= std::min(backlog_bytes_, protocol::text_bytes(*chunk));
    }
    co_return event;
  }

  std::size_t backlog_bytes() const { return backlog_bytes_; }
  std::size_t pending_events() const { return events_.size(); }

  std::string id;
  std::string node_id;  // of the current attempt

 private:
  net::EventQueue<JobEvent> events_;
  std::size_t backlog_bytes_ = 0;
};

}  // namespace potluck::coordinator
