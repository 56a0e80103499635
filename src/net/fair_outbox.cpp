#include "net/fair_outbox.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace potluck::net {

FairOutbox::FairOutbox(boost::asio::any_io_executor executor)
    : timer_(std::move(executor), boost::asio::steady_timer::time_point::max()) {}

void FairOutbox::push(std::string_view lane, std::string frame) {
  if (closed_) return;
  auto [it, added] = lanes_.try_emplace(std::string(lane));
  if (added) turns_.push_back(it->first);
  it->second.push_back(std::move(frame));
  ++frames_;
  timer_.cancel();
}

void FairOutbox::close() {
  closed_ = true;
  timer_.cancel();
}

boost::asio::awaitable<std::optional<std::string>> FairOutbox::pop() {
  while (frames_ == 0 && !closed_) {
    boost::system::error_code ec;  // cancelled: a frame or close() arrived
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  co_return try_pop();
}

std::optional<std::string> FairOutbox::try_pop() {
  if (turns_.empty()) return std::nullopt;
  auto it = lanes_.find(turns_.front());
  turns_.pop_front();
  std::string frame = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) lanes_.erase(it);
  else turns_.push_back(it->first);  // its next frame waits for the other lanes' turn
  --frames_;
  return frame;
}

const std::string* FairOutbox::front() const {
  if (turns_.empty()) return nullptr;
  return &lanes_.find(turns_.front())->second.front();
}

}  // namespace potluck::net
