#include "coordinator/api/client_watch.h"

// g++ 12 reports a string inside the event variant as maybe-uninitialized
// when ClientGone (which holds none) is moved in: a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace potluck::coordinator::api {

void watch_for_hangup(net::Exchange& exchange, const std::shared_ptr<Job>& job) {
  auto& socket = exchange.stream.socket();
  socket.async_wait(net::tcp::socket::wait_read,
                    [weak = std::weak_ptr(job), &socket](boost::system::error_code ec) {
                      auto job = weak.lock();
                      if (!job || ec == boost::asio::error::operation_aborted) return;
                      boost::system::error_code avail_ec;
                      if (ec || socket.available(avail_ec) == 0 || avail_ec) {
                        job->events.push(ClientGone{});
                      }
                    });
}

void stop_watching(net::Exchange& exchange) {
  boost::system::error_code ignored;
  exchange.stream.socket().cancel(ignored);
}

}  // namespace potluck::coordinator::api
