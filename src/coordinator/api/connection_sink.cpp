#include "coordinator/api/connection_sink.h"

#include "net/sse.h"

namespace potluck::coordinator::api {

void ConnectionSink::watch_hangup(std::function<void()> on_gone) {
  // The sink outlives the watch (stop_watching() comes first), and the
  // callback runs only for a real hang-up, never for the cancelled wait.
  exchange_.watch_hangup([this, on_gone = std::move(on_gone)] {
    gone_ = true;
    on_gone();
  });
}

void ConnectionSink::stop_watching() { exchange_.stop_watching(); }

bool ConnectionSink::consumer_left() {
  if (!gone_ && exchange_.peer_closed()) gone_ = true;
  return gone_;
}

std::optional<net::Response> ConnectionSink::take_answer() {
  if (gone_) exchange_.keep_alive = false;
  if (gone_ || exchange_.streaming()) return std::nullopt;
  return std::move(answer_);
}

net::awaitable<JobSink::Delivery> StreamingSink::flush() {
  auto& stream = exchange_.event_stream();
  if (!stream.started()) {
    const auto ec = co_await stream.start();
    if (ec) {
      consumer_gone();
      co_return Delivery::gone;
    }
  }
  if (out_.empty()) co_return Delivery::ok;
  const auto ec = co_await stream.send(out_);
  out_.clear();
  if (ec) {
    consumer_gone();
    co_return ec == boost::beast::error::timeout ? Delivery::too_slow : Delivery::gone;
  }
  delivered_chunks_ += unsent_chunks_;
  unsent_chunks_ = 0;
  co_return Delivery::ok;
}

net::awaitable<JobSink::Delivery> StreamingSink::keep_alive() {
  if (gone()) co_return Delivery::gone;
  net::append_sse_comment(out_, "keep-alive");
  const Delivery flushed = co_await flush();
  co_return flushed;
}

// g++ 12 miscompiles co_await inside if conditions (the coroutine faults on
// its first resume), so awaited results are stored before they are tested.
net::awaitable<void> StreamingSink::finish() {
  const Delivery flushed = co_await flush();
  if (flushed != Delivery::ok) co_return;
  const auto ec = co_await exchange_.event_stream().finish();
  if (ec) exchange_.keep_alive = false;
}

net::awaitable<void> StreamingSink::fail(const JobFailure& failure) {
  if (gone()) co_return;
  if (!exchange_.streaming() && out_.empty()) {
    answer(net::make_error_response(failure.error));
    co_return;
  }
  append_error_event(out_, failure.error);
  co_await finish();
}

void StreamingSink::append_error_event(std::string& out, const ApiError& error) {
  net::append_sse_event(out, error.to_json());
}

}  // namespace potluck::coordinator::api
