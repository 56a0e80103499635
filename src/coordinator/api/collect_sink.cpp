#include "coordinator/api/collect_sink.h"

namespace potluck::coordinator::api {

net::awaitable<void> CollectSink::complete(const protocol::Done& done, const protocol::Usage& billed) {
  answer(net::make_response(boost::beast::http::status::ok, collector_.render(done, billed)));
  co_return;
}

net::awaitable<void> CollectSink::fail(const JobFailure& failure) {
  answer(net::make_error_response(failure.error));
  co_return;
}

}  // namespace potluck::coordinator::api
