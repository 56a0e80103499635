#pragma once
// A job in flight: the consumer's request as dispatched to one node, and the
// queue through which the node's frames reach the consumer's coroutine.
#include "net/event_queue.h"
#include "protocol/frames.h"

#include <chrono>
#include <memory>
#include <string>
#include <variant>

namespace potluck::coordinator {

// The consumer went away (socket closed) before the job ended.
struct ClientGone {};

using JobEvent = std::variant<protocol::Chunk, protocol::Done, protocol::Error, ClientGone>;

struct Job {
  Job(boost::asio::any_io_executor executor, std::string id) : id(std::move(id)), events(executor) {}

  std::string id;
  std::string node_id;  // of the current attempt
  net::EventQueue<JobEvent> events;
  std::size_t queued_bytes = 0;  // chunk bytes waiting for the consumer
};

}  // namespace potluck::coordinator
