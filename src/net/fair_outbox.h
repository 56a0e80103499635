#pragma once
// Frames waiting for a WebSocket's writer, kept in lanes and taken in turn:
// one frame from each lane that has any, round robin. Frames of one lane keep
// their order; a lane with a long queue (one large job) cannot hold back a
// frame of another lane (a small job's) by more than one frame per lane.
// The empty lane carries the link's own frames. One executor, no locking.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace potluck::net {

class FairOutbox {
 public:
  explicit FairOutbox(boost::asio::any_io_executor executor);

  // Dropped once closed.
  void push(std::string_view lane, std::string frame);
  // Frames queued before still come out; then pop() yields nullopt.
  void close();
  bool closed() const { return closed_; }
  std::size_t size() const { return frames_; }

  // Waits for the next frame; nullopt once closed and empty.
  boost::asio::awaitable<std::optional<std::string>> pop();
  // The next frame without waiting, or nullopt when none is queued.
  std::optional<std::string> try_pop();
  // The frame try_pop() would return, or null.
  const std::string* front() const;

 private:
  boost::asio::steady_timer timer_;
  std::unordered_map<std::string, std::deque<std::string>> lanes_;  // only lanes with frames
  std::deque<std::string> turns_;  // those lanes, the next to send first
  std::size_t frames_ = 0;
  bool closed_ = false;
};

}  // namespace potluck::net
