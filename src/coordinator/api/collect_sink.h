#pragma once
// A consumer on a connection who did not ask for a stream: the output is
// collected (by the kind's ResultCollector) and answered as one response.
#include "coordinator/api/connection_sink.h"
#include "coordinator/api/result_collector.h"

namespace potluck::coordinator::api {

class CollectSink final : public ConnectionSink {
 public:
  CollectSink(net::Exchange& exchange, ResultCollector& collector)
      : ConnectionSink(exchange), collector_(collector) {}

  bool streams() const override { return false; }
  Delivery take(const protocol::Chunk& chunk) override { return collector_.take(chunk); }
  bool whole() const override { return collector_.whole(); }
  // Nothing reaches the consumer before the whole answer.
  std::int64_t delivered_chunks() const override { return 0; }
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override;
  net::awaitable<void> fail(const JobFailure& failure) override;

 private:
  ResultCollector& collector_;
};

}  // namespace potluck::coordinator::api
